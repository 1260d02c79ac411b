"""Courses, their modules, classes (offerings of a course) and enrolments."""
