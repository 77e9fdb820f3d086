"""kenny-wa: the read-only WhatsApp Web ETL of Kenny."""

__version__ = "0.1.0"
