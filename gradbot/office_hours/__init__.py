"""Office hours on China's working-day calendar (public holidays and 调休 make-up workdays).

- :mod:`.calendar`: which days are worked (``chinese-calendar`` plus ``policies/_calendar.yml``)
- :mod:`.schedule`: the weekly hours staff write in ``policies/_contacts.yml``
- :mod:`.hours`: :class:`OfficeHours` — open now?, next opening, working-time arithmetic
- :mod:`.questions`: answers to "你们周六上班吗" for the day asked about
- :mod:`.checks`: what ``gradbot kb check`` reports
"""

from gradbot.office_hours.calendar import DayInfo, Holiday, WorkCalendar
from gradbot.office_hours.hours import BEIJING, OFFICE_CONTACT, OfficeHours, describe_contact_hours, load_office_hours

__all__ = ["BEIJING", "OFFICE_CONTACT", "DayInfo", "Holiday", "OfficeHours", "WorkCalendar", "describe_contact_hours", "load_office_hours"]
