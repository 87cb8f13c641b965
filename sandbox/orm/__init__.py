"""A small Odoo-shaped ORM over SQLite: field definitions, domains, reads, writes, grouping."""
