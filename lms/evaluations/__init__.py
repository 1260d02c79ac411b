"""Course evaluations: the form from content/, anonymous answers, results by class, instructor and course."""
