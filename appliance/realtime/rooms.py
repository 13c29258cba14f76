"""Socket.IO room names: every room belongs to exactly one company or one visitor."""


def agents_room(company_id: int) -> str:
    return f"company:{company_id}:agents"


def visitor_room(customer_id: int) -> str:
    return f"visitor:{customer_id}"


def admins_room(company_id: int) -> str:
    return f"company:{company_id}:admins"
