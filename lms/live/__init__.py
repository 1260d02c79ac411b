"""Live sessions of a class: scheduling, calendars, the live room over Socket.IO, attendance and check-in."""
