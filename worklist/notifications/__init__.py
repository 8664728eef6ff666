"""Reminders and escalations for items past their reminder or due time, and the daily digest."""
