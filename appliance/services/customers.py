"""Customers: widget visitors, known by a secret visitor token their browser keeps."""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ..domain.models import Company, Customer
from ..errors import BadRequest
from .base import Service, clean_text
from .users import normalise_email


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CustomerService(Service):
    def start_visit(self, company: Company, token: Any = None) -> tuple[Customer, str]:
        """The returning customer this token names in this company, or a new one with a new token."""
        if isinstance(token, str) and 20 <= len(token) <= 200:
            customer = Customer.get_or_none((Customer.token_hash == _hash(token)) & (Customer.company == company))
            if customer is not None:
                Customer.update(last_seen_at=self.clock()).where(Customer.id == customer.id).execute()
                return customer, token
        token = secrets.token_urlsafe(32)
        customer = Customer.create(company=company, token_hash=_hash(token), created_at=self.clock(),
                                   last_seen_at=self.clock())
        return customer, token

    def identify(self, customer: Customer, *, name: Any = None, email: Any = None) -> Customer:
        if name is not None:
            customer.name = clean_text(name, "name", 120, multiline=False, required=False)
        if email is not None:
            customer.email = normalise_email(email) if email else ""
        if name is None and email is None:
            raise BadRequest("send a name or an email")
        customer.save()
        return customer
