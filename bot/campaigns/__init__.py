"""Campaigns and reminders: schedules, audiences, and the delivery of each run exactly once."""
