"""Incoming faxes (F-1): the received TIFF becomes a PDF mailed to the fax line's address."""
