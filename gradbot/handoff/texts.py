"""Fixed texts of the staff handoff, Chinese first, then English.

Student texts name the ticket (``#T12``) but never a staff member; staff texts may name
staff (they are shown only in the staff group).
"""

from __future__ import annotations

# --- to the student -------------------------------------------------------------------
OPENED = (
    "已为你转接人工老师（工单 {label}）。请直接在这里写下你的问题，可以发文字、图片或文件，老师会在这里回复你。"
    "发送 /cancel 可撤回。\n"
    "You are now connected to the staff (ticket {label}). Write your question here (text, photos or files are fine); "
    "the staff will answer here. Send /cancel to withdraw."
)
OPENED_WITH_QUESTION = (
    "已为你转接人工老师（工单 {label}），你的问题已转给老师，老师会在这里回复你。补充内容直接发在这里即可；"
    "发送 /cancel 可撤回。\n"
    "You are now connected to the staff (ticket {label}); your question has been passed on and they will answer here. "
    "Add anything here; send /cancel to withdraw."
)
OUTSIDE_HOURS = (
    "现在不是办公时间，老师上班后会尽快回复你。{when_zh}\n"
    "It is outside office hours; the staff will answer when they are back — {when_en}."
)
ALREADY_OPEN = (
    "你已在与人工老师对话（工单 {label}），直接发消息即可；发送 /cancel 可撤回。\n"
    "You are already talking to the staff (ticket {label}); just write here. Send /cancel to withdraw."
)
COMMAND_DURING_TICKET = (
    "你正在与人工老师对话（工单 {label}），消息会直接转给老师。结束后才能使用其他命令；发送 /cancel 可撤回。\n"
    "You are talking to the staff (ticket {label}); your messages go to them. Other commands work again when it "
    "ends; send /cancel to withdraw."
)
BUTTON_DURING_TICKET = "人工对话进行中，请直接发消息给老师。/ You are talking to the staff; just write to them."
CANCELLED = (
    "已撤回人工请求（工单 {label}）。之后由助手继续回答你的问题，需要时可再发送 /human。\n"
    "Withdrawn (ticket {label}). The assistant answers again; send /human whenever you need the staff."
)
NOTHING_TO_CANCEL = "你目前没有进行中的人工对话。/ You have no open conversation with the staff."
CLOSED = (
    "老师已结束本次人工对话（工单 {label}）。之后由助手继续回答你的问题，需要时可再发送 /human。"
    "这次的帮助有用吗？\n"
    "The staff have closed this conversation (ticket {label}). The assistant answers again; send /human whenever "
    "you need the staff. Did this help?"
)
RATING_UP = "👍 有帮助"
RATING_DOWN = "👎 没帮助"
RATING_THANKS = "谢谢你的评价！/ Thanks for your rating!"
RATING_GONE = "这个评价按钮已失效。/ This rating button is no longer valid."
OFFER_STAFF_BUTTON = "找老师 / Talk to staff"
NOT_RELAYED = "这条消息无法转给老师（不支持的类型），请改发文字、图片或文件。/ This kind of message can't be passed on; please send text, a photo or a file."
STAFF_UNREACHABLE = (
    "抱歉，暂时无法联系人工老师，请稍后再试，或直接联系就业创业中心（205 室）。\n"
    "Sorry, the staff can't be reached right now; please try again later or contact the Employment Center (room 205)."
)

# --- in the staff group -----------------------------------------------------------------
OPENED_NOTE_OUTSIDE = "🌙 非工作时间提交（已静音）；已告诉学生：{when_zh}。/ Opened outside office hours (silent)."
FROM_SOURCE = {"command": "来源：/human", "button": "来源：“找老师”按钮", "words": "来源：学生要求人工"}
CLAIMED = "✋ {name} 正在处理此工单。/ {name} is handling this ticket."
ALREADY_CLAIMED = "此工单已由 {name} 认领。/ Already claimed by {name}."
CLOSED_BY = "✅ 工单已由 {name} 关闭，已通知学生。/ Closed by {name}; the student has been told."
CLOSED_BY_TOPIC = "✅ 话题被手动关闭，工单 {label} 已关闭并通知学生。/ The topic was closed by hand; ticket closed, student told."
CANCELLED_BY_STUDENT = "↩️ 学生已撤回请求，工单关闭。/ The student withdrew the request; ticket closed."
TICKET_NOT_OPEN = "此工单已关闭，消息没有发给学生。/ This ticket is closed; the message was not sent."
ANONYMOUS_REFUSED = (
    "⚠️ 以匿名管理员或频道身份发送的消息不会转给学生（无法确认是哪位老师）。请关闭“匿名”后重新发送。\n"
    "Messages sent as an anonymous admin or a channel are not passed on. Turn off “Remain anonymous” and send again."
)
REPLY_HINT = "请用“回复 Reply”回复某个工单的消息，学生才会收到。/ Use Reply on a ticket's message so the student gets it."
DELIVERED_MARK = "✓ 已送达 / delivered"
BLOCKED = "⚠️ 学生已屏蔽机器人，这条消息没有送达。/ The student has blocked the bot; this message was not delivered."
NOT_DELIVERED = "⚠️ 这条消息没有送达学生：{reason} / Not delivered."
EDIT_NOT_SYNCED = "已发出的消息修改后不会同步给学生；如需更正请再发一条。/ Edits are not sent to the student; send a correction instead."
REMINDER = (
    "⏰ 工单 {label} 已等待 {minutes} 个工作分钟，尚无人认领或回复。/claim 认领\n"
    "Ticket {label} has waited {minutes} working minutes unclaimed."
)
DIGEST_HEAD = "☀️ 非工作时间收到 {count} 个工单 / {count} ticket(s) came in outside office hours:"
DIGEST_LINE = "• {label} {subject}（{opened}）{state}"
RATED = "学生评价：{rating} / The student rated the help: {rating}"
FAQ_SAVED = "📝 已存为知识库草稿 {draft_id}（主题：{topic}），审核后移入主题文件。/ Saved as draft {draft_id}."
FAQ_NOTHING = "还没有老师的回答可以存为草稿。/ There is no staff answer to save yet."
FAQ_FAILED = "⚠️ 草稿没有保存：{reason} / Draft not saved."
NOT_A_TICKET = "这里不是工单话题。/ This is not a ticket topic."
