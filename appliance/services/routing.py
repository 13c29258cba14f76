"""Automatic assignment: routing rules send a ticket to a team, then round-robin gives it to the
team's online agent who waited longest for a ticket and is under capacity. A ticket nobody can
take waits, and is assigned when an agent comes online or frees capacity. Whatever a person
assigns or unassigns by hand, routing never undoes."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, Iterable

from peewee import JOIN, SQL, fn

from .. import events
from ..db import PreparedSelect, PreparedWrites, database
from ..domain.models import (PRIORITIES, ROUTING_RULE_KINDS, CHANNELS, AgentRouting, Company, Customer, Message,
                             RoutingRule, Team, TeamMember, Ticket, TicketRouting, User)
from ..errors import BadRequest, NotFound
from .base import Service, clean_text, is_row_id
from .teams import TeamService
from .ticket_reads import CompanyTicketRead

logger = logging.getLogger(__name__)

LOAD_STATUSES = ("bot", "open", "pending")  # tickets that count against an agent's capacity
MAX_WAITING = 500  # tickets looked at per pass; the rest wait for the next one
OnlineLookup = Callable[[int], Iterable[int]]


def nobody_online(_company_id: int) -> Iterable[int]:
    """The presence lookup where there is no console (command-line tools)."""
    return ()


def _pool_query(company_id: int):
    """The company's active people with their routing state and open load, in one query (a routing
    pass runs on every new ticket and assignment: its SQL is written once)."""
    statuses = SQL("(" + ", ".join(f"'{status}'" for status in LOAD_STATUSES) + ")")  # constants: in the text
    load = Ticket.select(fn.COUNT(Ticket.id)).where((Ticket.assignee == User.id) & Ticket.status.in_(statuses))
    return (User.select(User, AgentRouting.capacity.alias("routing_capacity"),
                        AgentRouting.last_assigned_at.alias("routing_last"), load.alias("open_load"))
            .join(AgentRouting, JOIN.LEFT_OUTER, on=(AgentRouting.user == User.id))
            .where((User.company == company_id) & User.active))


class _Pool:
    """The agents routing may pick from during one pass: online, active, with their load."""

    def __init__(self, people: list[User], online: set[int], default_capacity: int):
        """``people``: the company's active users as ``_pool_query`` reads them."""
        self.users = {u.id: u for u in people if u.id in online}
        self.capacity = {u.id: u.routing_capacity if u.routing_capacity is not None else default_capacity
                         for u in self.users.values()}
        self.last = {u.id: AgentRouting.last_assigned_at.python_value(u.routing_last) for u in self.users.values()}
        self.load = {u.id: u.open_load for u in self.users.values()}

    def has_room(self) -> bool:
        return any(self.load[uid] < self.capacity[uid] for uid in self.users)

    def pick(self, allowed: set[int] | None, exclude: int | None = None) -> User | None:
        """Round-robin: the free agent whose last automatic assignment is the oldest (never first)."""
        free = [uid for uid in self.users if self.load[uid] < self.capacity[uid] and uid != exclude
                and (allowed is None or uid in allowed)]
        if not free:
            return None
        uid = min(free, key=lambda u: (self.last[u] is not None, self.last[u] or datetime.min, u))
        return self.users[uid]

    def took(self, user: User, now: datetime) -> None:
        self.load[user.id] += 1
        self.last[user.id] = now


def _frees_capacity(ticket: Ticket, changes: dict[str, Any]) -> bool:
    """Whether a ticket's change left someone with more room: the ticket left its assignee, or
    left the statuses that count against capacity."""
    before = changes.get("assignee_id", [ticket.assignee_id])[0]
    if before is not None and before != ticket.assignee_id:
        return True
    status = changes.get("status")
    return bool(status) and status[0] in LOAD_STATUSES and status[1] not in LOAD_STATUSES


class RoutingService(Service):
    def __init__(self, settings, bus, clock, *, teams: TeamService, online: OnlineLookup = nobody_online,
                 spawn: Callable[..., Any] | None = None):
        super().__init__(settings, bus, clock)
        self.teams = teams
        self.online = online
        self.spawn = spawn or (lambda fn, *args: fn(*args))  # where ticket events are routed (see listen)
        # a pass runs on every new ticket: the statements it always runs are written once
        self._pool_query = PreparedSelect(User, _pool_query)
        self._company_query = PreparedSelect(Company, lambda company_id: Company.select().where(Company.id == company_id))
        self._ticket_query = PreparedSelect(Ticket, lambda ticket_id, company_id: Ticket.select().where(
            (Ticket.id == ticket_id) & (Ticket.company == company_id)))
        self._route_query = PreparedSelect(TicketRouting, lambda ticket_id: TicketRouting.select().where(
            TicketRouting.ticket == ticket_id))
        self._rules_query = PreparedSelect(RoutingRule, lambda company_id: RoutingRule.select().where(
            RoutingRule.company == company_id).order_by(RoutingRule.position, RoutingRule.id))
        self._route_writes = PreparedWrites(TicketRouting)
        self._read_ticket = CompanyTicketRead()  # an assigned ticket, as its push serializes it
        self._busy: set[int] = set()
        self._again: set[int] = set()

    # ---- rules ------------------------------------------------------------------------------
    def rules(self, company: Company) -> list[RoutingRule]:
        return list(RoutingRule.select(RoutingRule, Team).join(Team).where(RoutingRule.company == company)
                    .order_by(RoutingRule.position, RoutingRule.id))

    def get_rule(self, company: Company, rule_id: Any) -> RoutingRule:
        rule = None
        if is_row_id(rule_id):
            rule = RoutingRule.get_or_none((RoutingRule.id == rule_id) & (RoutingRule.company == company))
        if rule is None:
            raise NotFound(f"no routing rule {rule_id} in your company")
        return rule

    def add_rule(self, company: Company, actor: User, *, kind: Any, value: Any, team_id: Any,
                 priority: Any = None) -> RoutingRule:
        """Append a rule (it is tried after the existing ones)."""
        if kind not in ROUTING_RULE_KINDS:
            raise BadRequest.field("kind", f"must be one of: {', '.join(ROUTING_RULE_KINDS)}")
        value = clean_text(value, "value", 200, multiline=False)
        if kind == "channel" and value not in CHANNELS:
            raise BadRequest.field("value", f"unknown channel {value!r}; use one of: {', '.join(CHANNELS)}")
        if priority is not None and priority not in PRIORITIES:
            raise BadRequest.field("priority", f"must be one of: {', '.join(PRIORITIES)}, or null to keep it")
        try:
            team = self.teams.get(company, team_id)
        except NotFound:
            raise BadRequest.field("team_id", f"no team {team_id} in your company") from None
        with database.atomic():
            last = RoutingRule.select(fn.MAX(RoutingRule.position)).where(RoutingRule.company == company).scalar()
            rule = RoutingRule.create(company=company, position=(last or 0) + 1, kind=kind, value=value, team=team,
                                      priority=priority, created_at=self.clock())
            self.audit(company, actor, "routing.rule_created", "routing_rule", rule.id, kind=kind, value=value,
                       team_id=team.id, priority=priority)
        return rule

    def delete_rule(self, company: Company, actor: User, rule_id: Any) -> None:
        rule = self.get_rule(company, rule_id)
        with database.atomic():
            rule.delete_instance()
            self.audit(company, actor, "routing.rule_deleted", "routing_rule", rule.id, kind=rule.kind,
                       value=rule.value)

    def reorder(self, company: Company, actor: User, rule_ids: Any) -> list[RoutingRule]:
        """Put the rules in this order; the list must name each of the company's rules once."""
        current = {r.id for r in RoutingRule.select(RoutingRule.id).where(RoutingRule.company == company)}
        if (not isinstance(rule_ids, list) or not all(is_row_id(i) for i in rule_ids)
                or len(set(rule_ids)) != len(rule_ids) or set(rule_ids) != current):
            raise BadRequest.field("rule_ids", f"must list each of your {len(current)} rule ids exactly once")
        with database.atomic():
            for position, rule_id in enumerate(rule_ids, start=1):
                RoutingRule.update(position=position).where(RoutingRule.id == rule_id).execute()
            self.audit(company, actor, "routing.rules_reordered", "company", company.id, rule_ids=rule_ids)
        return self.rules(company)

    def match(self, ticket: Ticket) -> RoutingRule | None:
        """The first of the company's rules (in order) that the ticket matches."""
        customer_text: str | None = None
        for rule in self._rules_query.all(ticket.company_id):
            wanted = rule.value.casefold()
            if rule.kind == "intent":
                hit = (ticket.intent or "").casefold() == wanted
            elif rule.kind == "channel":
                hit = ticket.channel == rule.value
            elif rule.kind == "customer":
                customer = Customer.get_by_id(ticket.customer_id)
                hit = wanted in customer.email.casefold() or wanted in customer.name.casefold()
            else:  # keyword: anywhere in what the customer wrote on this ticket
                if customer_text is None:
                    customer_text = "\n".join(m.body for m in Message.select(Message.body).where(
                        (Message.ticket == ticket.id) & (Message.author_role == "customer"))).casefold()
                hit = wanted in customer_text
            if hit:
                return rule
        return None

    # ---- agents -----------------------------------------------------------------------------
    def agents(self, company: Company) -> list[dict[str, Any]]:
        """Each active person's capacity (own and effective), open tickets and whether they are online."""
        own = self.teams.capacities(company)
        online = set(self.online(company.id))
        load = dict(Ticket.select(Ticket.assignee, fn.COUNT(Ticket.id)).where(
            (Ticket.company == company) & Ticket.assignee.is_null(False) & Ticket.status.in_(LOAD_STATUSES))
            .group_by(Ticket.assignee).tuples())
        return [{"user": u, "capacity": own.get(u.id),
                 "effective_capacity": self.settings.agent_capacity if own.get(u.id) is None else own[u.id],
                 "open_tickets": load.get(u.id, 0), "online": u.id in online}
                for u in User.select().where((User.company == company) & User.active).order_by(User.name)]

    # ---- assignment -------------------------------------------------------------------------
    def listen(self) -> None:
        """Route on every ticket change (new, handed over, resolved, reassigned). The composition root
        calls this after the realtime pushes are wired, so agents see a ticket arrive, then its
        assignment.

        Routing runs through ``spawn`` (a background task in the server): a pass costs several
        queries, and the customer's message that opened the ticket is pushed to the console and
        acknowledged without waiting for it; the assignment follows as its own ticket update."""
        self.bus.subscribe(events.TICKET_CREATED, self._on_ticket)
        self.bus.subscribe(events.TICKET_UPDATED, self._on_ticket)
        self.bus.subscribe(events.USER_DEACTIVATED, self._on_user_deactivated)

    def _on_user_deactivated(self, _name: str, event: dict) -> None:
        self.release(event["company_id"], event["user_id"])

    def release(self, company_id: int, user_id: int) -> list[Ticket]:
        """Unassign the tickets still in play of a person who was deactivated (who can no longer
        answer them), each audited and pushed; routing then assigns them like any unassigned ticket,
        even those a person had assigned by hand."""
        company = self._company_query.first(company_id)
        if company is None:
            return []
        tickets = list(Ticket.select(Ticket.id).where((Ticket.company == company_id) & (Ticket.assignee == user_id)
                                                     & Ticket.status.in_(LOAD_STATUSES)))
        ids = [t.id for t in tickets]
        if not ids:
            return []
        now = self.clock()
        with database.atomic():
            Ticket.update(assignee=None, updated_at=now).where(Ticket.id.in_(ids)).execute()
            # A hand assignment no longer holds; a team a rule chose still does, and a ticket with
            # no decision kept is matched against the rules again.
            TicketRouting.delete().where(TicketRouting.ticket.in_(ids) & TicketRouting.rule.is_null()
                                         & TicketRouting.team.is_null()).execute()
            TicketRouting.update(manual=False).where(TicketRouting.ticket.in_(ids)).execute()
            for ticket_id in ids:
                self.audit(company, None, "ticket.unassigned", "ticket", ticket_id, previous_assignee_id=user_id,
                           reason="assignee deactivated")
        released = [t for t in (self._read_ticket(company_id, ticket_id) for ticket_id in ids) if t is not None]
        for ticket in released:
            self.bus.publish(events.TICKET_UPDATED, company_id=company_id, ticket=ticket,
                             changes={"assignee_id": [user_id, None]})
        return released

    def _on_ticket(self, name: str, event: dict) -> None:
        if name == events.TICKET_UPDATED and not event.get("changes"):
            return  # e.g. one more message on a ticket: nothing that could free an agent or queue a ticket
        if event.get("routed") and event["changes"].get("assignee_id", [None])[0] is None:
            return  # a pass gave a waiting ticket to someone (or set its priority): it freed nobody, queued nothing
        ticket = event["ticket"]
        waiting = ticket.status == "open" and ticket.assignee_id is None
        if name == events.TICKET_UPDATED and not waiting and not _frees_capacity(ticket, event["changes"]):
            return  # e.g. a first reply that gave the ticket to its author: nobody has more room than before
        self.spawn(self._route_safely, event["company_id"], ticket.id if waiting else None)

    def _route_safely(self, company_id: int, waiting_ticket_id: int | None) -> None:
        """Decide a waiting ticket's team and priority now, even if nobody can take it yet, then assign
        what can be assigned. The ticket is read again: it may have changed since its event."""
        with database.connection_context():
            try:
                company = self._company_query.first(company_id)
                if company is None:
                    return  # deleted meanwhile: nothing to route
                if waiting_ticket_id is not None:
                    ticket = self._ticket_query.first(waiting_ticket_id, company_id)
                    if ticket is not None and ticket.status == "open" and ticket.assignee_id is None:
                        self._route_of(company, ticket)
                self.assign_waiting(company_id, company)
            except Exception:  # a background task must not die silently; the next ticket event routes again
                logger.exception("routing company %s failed", company_id)

    def assign_waiting(self, company_id: int, company: Company | None = None) -> list[Ticket]:
        """Assign the company's waiting tickets, oldest first, while someone can take them. Called on
        ticket changes and when an agent comes online; safe to call at any time. ``company``: the
        company's row, when the caller holds it."""
        if company_id in self._busy:  # a pass is running (we are inside its publish): it goes again
            self._again.add(company_id)
            return []
        self._busy.add(company_id)
        assigned: list[Ticket] = []
        try:
            company = company or self._company_query.first(company_id)
            if company is None:
                return assigned
            while True:
                self._again.discard(company_id)
                assigned += self._pass(company)
                if company_id not in self._again:
                    return assigned
        finally:
            self._busy.discard(company_id)
            self._again.discard(company_id)

    def _waiting(self, company_id: int) -> list[Ticket]:
        by_hand = TicketRouting.select(TicketRouting.ticket).where(
            (TicketRouting.company == company_id) & TicketRouting.manual)
        return list(Ticket.select().where((Ticket.company == company_id) & (Ticket.status == "open")
                                          & Ticket.assignee.is_null() & Ticket.id.not_in(by_hand))
                    .order_by(Ticket.created_at, Ticket.id).limit(MAX_WAITING))

    def _pass(self, company: Company) -> list[Ticket]:
        company_id = company.id
        pool = _Pool(self._pool_query.all(company_id), set(self.online(company_id)), self.settings.agent_capacity)
        if not pool.has_room():  # nobody can take a ticket: don't read the queue at all
            return []
        waiting = self._waiting(company_id)
        if not waiting:
            return []
        routes = {r.ticket_id: r for r in TicketRouting.select().where(
            TicketRouting.ticket.in_([t.id for t in waiting]))}
        for ticket in waiting:  # normally decided on the ticket's own event already
            if ticket.id not in routes:
                routes[ticket.id] = self._route_of(company, ticket)
        members: dict[int | None, set[int] | None] = {}
        assigned = []
        for ticket in waiting:
            if not pool.has_room():
                break
            route = routes[ticket.id]
            if route.team_id not in members:
                members[route.team_id] = self._team_members(route)
            agent = pool.pick(members[route.team_id])
            if agent is None:
                continue
            done = self._assign(company, ticket, agent, expected=None, route=route, reason="routing")
            if done is not None:
                pool.took(agent, self.clock())
                assigned.append(done)
        if assigned and len(waiting) == MAX_WAITING and pool.has_room():
            self._again.add(company_id)  # the queue goes on past what this pass read: look again
        return assigned

    def _route_of(self, company: Company, ticket: Ticket) -> TicketRouting:
        """The ticket's routing decision, made once, when it first waits for an agent (the matching
        rule's team and priority); later passes reuse it."""
        route = self._route_query.first(ticket.id)
        if route is not None:
            return route
        rule = self.match(ticket)
        now = self.clock()
        with database.atomic():
            route = self._route_writes.create(company=company, ticket=ticket.id, team=rule.team_id if rule else None,
                                              rule=rule, manual=False, routed_at=now)
            changes: dict[str, Any] = {}
            if rule is not None and rule.priority and rule.priority != ticket.priority:
                changes["priority"] = [ticket.priority, rule.priority]
                Ticket.update(priority=rule.priority, updated_at=now).where(Ticket.id == ticket.id).execute()
            if rule is not None:
                self.audit(company, None, "ticket.routed", "ticket", ticket.id, rule_id=rule.id, team_id=rule.team_id,
                           **({"changes": changes} if changes else {}))
        if changes:
            fresh = self._read_ticket(company.id, ticket.id)
            if fresh is not None:
                self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=fresh, changes=changes,
                                 routed="rule")
        return route

    @staticmethod
    def _team_members(route: TicketRouting) -> set[int] | None:
        if route.team_id is None:
            return None  # no rule matched (or its team is gone): every agent
        return {m.user_id for m in TeamMember.select(TeamMember.user).where(TeamMember.team == route.team_id)}

    def _assign(self, company: Company, ticket: Ticket, agent: User, *, expected: int | None,
                route: TicketRouting | None, reason: str) -> Ticket | None:
        """Give the ticket to ``agent`` if it is still as routing saw it (assigned to ``expected``, open)."""
        now = self.clock()
        with database.atomic():
            changed = Ticket.update(assignee=agent, updated_at=now).where(
                (Ticket.id == ticket.id) & (Ticket.assignee == expected if expected else Ticket.assignee.is_null())
                & (Ticket.status == "open")).execute()
            if not changed:
                return None  # a person got there first
            (AgentRouting.insert(company=company, user=agent, last_assigned_at=now)
             .on_conflict(conflict_target=[AgentRouting.user], update={AgentRouting.last_assigned_at: now}).execute())
            self.audit(company, None, "ticket.assigned", "ticket", ticket.id, assignee_id=agent.id, reason=reason,
                       team_id=route.team_id if route else None, previous_assignee_id=expected)
        fresh = self._read_ticket(company.id, ticket.id)
        if fresh is None:
            return None  # deleted meanwhile
        self.bus.publish(events.TICKET_UPDATED, company_id=company.id, ticket=fresh,
                         changes={"assignee_id": [expected, agent.id]}, routed=reason)
        return fresh

    def reassign(self, company: Company, ticket: Ticket, *, reason: str) -> Ticket | None:
        """Move an open ticket to another free agent of its team (an SLA breach action); a ticket a
        person assigned by hand stays where it is. Returns the ticket if it moved."""
        ticket = Ticket.get_or_none((Ticket.id == ticket.id) & (Ticket.company == company))
        if ticket is None or ticket.status != "open":
            return None
        if ticket.assignee_id is None:
            self.assign_waiting(company.id)
            return None
        route = TicketRouting.get_or_none(TicketRouting.ticket == ticket.id)
        if route is not None and route.manual:
            return None
        if route is None:
            route = self._route_of(company, ticket)
        pool = _Pool(self._pool_query.all(company.id), set(self.online(company.id)), self.settings.agent_capacity)
        agent = pool.pick(self._team_members(route), exclude=ticket.assignee_id)
        if agent is None:
            return None
        return self._assign(company, ticket, agent, expected=ticket.assignee_id, route=route, reason=reason)


def mark_manual(ticket: Ticket, now: datetime) -> None:
    """A person assigned or unassigned the ticket by hand: routing leaves it alone from now on.
    Call inside the transaction that makes the change."""
    (TicketRouting.insert(company=ticket.company_id, ticket=ticket.id, manual=True, routed_at=now)
     .on_conflict(conflict_target=[TicketRouting.ticket], update={TicketRouting.manual: True}).execute())


def unmark_manual(ticket: Ticket) -> None:
    """The ticket left the people (handed back to the AI): a hand assignment no longer holds, and
    routing assigns it as any waiting ticket if it comes back. Call inside the transaction that makes
    the change."""
    TicketRouting.update(manual=False).where(TicketRouting.ticket == ticket.id).execute()
