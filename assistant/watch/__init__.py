"""Alerts and digests: rules over the exception queues, subscriptions, dedupe, delivery, scheduling.

Core (no web or chat framework): channels hand in a Slack sender; the web pages read deliveries.
"""
