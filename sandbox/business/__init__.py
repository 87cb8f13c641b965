"""Odoo's business behaviour the tools rely on: derived stored fields, defaults, buttons, chatter."""
