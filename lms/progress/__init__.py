"""Recording a learner's progress and deciding completion."""
