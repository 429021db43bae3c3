"""Fixed texts the bot shows itself (everything else comes from Rasa), Chinese first, then English.

Keep them short: students read them on a phone.
"""

from __future__ import annotations

WELCOME = (
    "你好！我是西安交通大学就业创业中心的毕业生助手。\n"
    "可以直接问我签约、派遣、毕业去向登记、档案、落户、招聘等问题，"
    "也可以用 /status 查看你的手续办理进度。\n\n"
    "Hello! I am the graduate assistant of XJTU's Employment and Entrepreneurship Center. "
    "Ask me about agreements, dispatch, destination registration, records, hukou or recruitment, "
    "or use /status to see the progress of your case."
)

HELP = (
    "我能做什么：\n"
    "• 直接输入问题，例如“三方协议在哪里盖章？”\n"
    "• /status 查看我的办理进度\n"
    "• /bind 绑定学号（需要就业创业中心发给你的绑定码）\n"
    "• /unbind 解除绑定\n"
    "• /human 联系人工老师\n"
    "• /settings 推送设置（提醒、进度通知、语言）；/mute 不再接收提醒\n"
    "• /help 显示本帮助\n\n"
    "What I can do: type your question, or use /status (my case), /bind CODE (link your student ID), "
    "/unbind, /human (talk to staff), /settings (notifications), /mute (no reminders), /help."
)

NON_TEXT = "请输入文字问题 / Please type your question as text."

BUSY = "系统繁忙，请稍后再试。\nThe system is busy, please try again shortly."

NO_ANSWER = (
    "抱歉，我暂时无法回答这个问题，可以换个说法，或输入 /human 联系老师。\n"
    "Sorry, I can't answer that right now. Try rephrasing, or type /human to reach staff."
)

TOO_LONG_NOTE = (
    "（你的消息太长，我只读取了前 {limit} 个字。/ Your message was long; I read only the first {limit} characters.)"
)

BUTTON_EXPIRED = "这个按钮已过期，请重新提问。/ This button has expired, please ask again."

FEEDBACK_THANKS = "谢谢你的反馈！/ Thanks for your feedback!"

FEEDBACK_UP = "👍 有帮助"
FEEDBACK_DOWN = "👎 没帮助"

# after a 👎 in a private chat: the answer may be wrong, so say not to act on it and offer a person
FEEDBACK_SORRY = (
    "抱歉没帮上你。这个回答可能没有答对你的问题，办理前请先和老师确认，不要仅凭它办理。\n"
    "可以换个说法再问一次，或者点下面的按钮找老师。\n"
    "Sorry this did not help. It may not answer your question: please check with staff before acting on it. "
    "Ask again in other words, or tap below to reach a person."
)

GROUP_PRIVATE_ONLY = (
    "为保护你的隐私，请私聊我办理此事：{link}\n"
    "To protect your privacy, please message me privately: {link}"
)

FLOODING = "你发送得太快了，请等我回复后再继续。/ You are sending too fast; please wait for my replies."

# setMyCommands menu (descriptions in Chinese, as students see them).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "开始使用"),
    ("help", "帮助：我能做什么"),
    ("status", "查看我的办理进度"),
    ("bind", "绑定学号（需要绑定码）"),
    ("unbind", "解除学号绑定"),
    ("human", "联系人工老师"),
)
