"""Service levels: business hours arithmetic and the pure evaluation of a ticket's SLA targets."""
