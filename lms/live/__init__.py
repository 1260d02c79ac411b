"""Live sessions of a class: scheduling, calendars, and (next) the room and attendance."""
