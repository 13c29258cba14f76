"""Reading a ticket the way its pushes serialize it: with its customer, its tag names and its
assignee's name, in one prepared query. Customer messages, agent replies and routing's assignments
each read a ticket and push it to the console; this is their one read."""
from __future__ import annotations

import json
from typing import Any

from peewee import fn

from ..db import PreparedSelect
from ..domain.models import Customer, Ticket, TicketTag, User
from .base import is_row_id, joined_columns, take_joined


def ticket_extras() -> list[Any]:
    """What the pushes that serialize a ticket read, selected with it: its tag names and its
    assignee's name (``take_extras`` puts them where the serializer looks)."""
    tags = TicketTag.select(fn.json_group_array(TicketTag.name)).where(TicketTag.ticket == Ticket.id)
    assignee_name = User.select(User.name).where(User.id == Ticket.assignee)
    return [tags.alias("tag_list"), assignee_name.alias("assignee_name")]


def take_extras(ticket: Ticket) -> Ticket:
    ticket.tag_names = sorted(json.loads(ticket.tag_list))  # the serializer's order (by name)
    if ticket.assignee_id is not None:
        ticket.assignee_person = {"id": ticket.assignee_id, "name": ticket.assignee_name}
    return ticket


def _company_ticket_query(ticket_id: int, company_id: int):
    return (Ticket.select(Ticket, *joined_columns(Customer, "customer__"), *ticket_extras())
            .join(Customer, on=(Customer.id == Ticket.customer))
            .where((Ticket.id == ticket_id) & (Ticket.company == company_id)))


class CompanyTicketRead:
    """One of a company's tickets with its customer and what its pushes serialize, or None."""

    def __init__(self) -> None:
        self._query = PreparedSelect(Ticket, _company_ticket_query)

    def __call__(self, company_id: int, ticket_id: Any) -> Ticket | None:
        """The ticket ``ticket_id`` if it is ``company_id``'s (a ticket id from a request is checked
        here: anything but a row id reads nothing)."""
        ticket = self._query.first(ticket_id, company_id) if is_row_id(ticket_id) else None
        if ticket is None:
            return None
        return take_extras(take_joined(ticket, "customer", Customer, "customer__"))
