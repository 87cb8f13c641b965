"""The procurement mailbox: supplier e-mail outside Odoo, read-only, linked to vendors and documents.

One noun per module: `message` (MIME -> a plain, trimmed message), `store` (the state-store tables and
the sync cursor), `imap` (the read-only IMAP connector), `archive` (.eml files, folders, mbox), `linker`
(vendor and PO/receipt/bill links read from Odoo), `extractor` (offline kind and facts), `sync` (the
pipeline), `notices` (what the product shows: reschedule suggestions, price-change notices, latest mail).
Nothing here sends, deletes or flags mail.
"""
