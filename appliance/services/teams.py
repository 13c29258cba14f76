"""Teams of agents and each agent's capacity for automatic assignment, per company."""
from __future__ import annotations

from typing import Any

from peewee import IntegrityError, fn

from ..db import database
from ..domain.models import AgentRouting, Company, RoutingRule, Team, TeamMember, User
from ..errors import BadRequest, Conflict, NotFound
from .base import Service, clean_text, is_row_id

MAX_CAPACITY = 1000


class TeamService(Service):
    # ---- teams ------------------------------------------------------------------------------
    def get(self, company: Company, team_id: Any) -> Team:
        """The company's team with this id; another company's answers NotFound like a missing one."""
        team = None
        if is_row_id(team_id):
            team = Team.get_or_none((Team.id == team_id) & (Team.company == company))
        if team is None:
            raise NotFound(f"no team {team_id} in your company")
        return team

    def list(self, company: Company) -> list[Team]:
        return list(Team.select().where(Team.company == company).order_by(Team.name))

    def member_ids(self, team: Team) -> list[int]:
        return [m.user_id for m in TeamMember.select(TeamMember.user).where(TeamMember.team == team)
                .order_by(TeamMember.user)]

    def members(self, team: Team) -> list[User]:
        return list(User.select().join(TeamMember, on=(TeamMember.user == User.id))
                    .where(TeamMember.team == team).order_by(User.name))

    def _users(self, company: Company, member_ids: Any) -> list[int]:
        if not isinstance(member_ids, list) or not all(is_row_id(i) for i in member_ids):
            raise BadRequest.field("member_ids", "must be a list of user ids")
        ids = list(dict.fromkeys(member_ids))
        found = {u.id for u in User.select(User.id).where((User.company == company) & User.id.in_(ids))}
        missing = [i for i in ids if i not in found]
        if missing:
            raise BadRequest.field("member_ids", f"no user {missing[0]} in your company")
        return ids

    @staticmethod
    def _refuse_taken(company: Company, name: str, team_id: int | None = None) -> None:
        """Names differ by more than their case: "Billing" and "billing" would be one team to people."""
        same = Team.select().where((Team.company == company) & (fn.lower(Team.name) == name.lower()))
        if team_id is not None:
            same = same.where(Team.id != team_id)
        if same.exists():
            raise Conflict(f"a team called {name!r} already exists; pick another name")

    def create(self, company: Company, actor: User, *, name: Any, member_ids: Any = ()) -> Team:
        name = clean_text(name, "name", 80, multiline=False)
        self._refuse_taken(company, name)
        ids = self._users(company, list(member_ids))
        try:
            with database.atomic():
                team = Team.create(company=company, name=name, created_at=self.clock())
                for user_id in ids:
                    TeamMember.create(company=company, team=team, user=user_id)
                self.audit(company, actor, "team.created", "team", team.id, name=name, member_ids=ids)
        except IntegrityError:
            raise Conflict(f"a team called {name!r} already exists; pick another name") from None
        return team

    def update(self, company: Company, actor: User, team_id: Any, *, name: Any = None,
               member_ids: Any = None) -> Team:
        team = self.get(company, team_id)
        if name is not None:
            name = clean_text(name, "name", 80, multiline=False)
            self._refuse_taken(company, name, team.id)
        ids = self._users(company, member_ids) if member_ids is not None else None
        try:
            with database.atomic():
                if name is not None:
                    team.name = name
                    team.save()
                if ids is not None:
                    TeamMember.delete().where(TeamMember.team == team).execute()
                    for user_id in ids:
                        TeamMember.create(company=company, team=team, user=user_id)
                self.audit(company, actor, "team.updated", "team", team.id, name=team.name, member_ids=ids)
        except IntegrityError:
            raise Conflict(f"a team called {name!r} already exists; pick another name") from None
        return team

    def delete(self, company: Company, actor: User, team_id: Any) -> None:
        team = self.get(company, team_id)
        used = RoutingRule.select().where(RoutingRule.team == team).count()
        if used:
            raise Conflict(f"{used} routing rule(s) send tickets to team {team.name!r}; "
                           "delete them or point them at another team first")
        with database.atomic():
            team.delete_instance(recursive=False)
            self.audit(company, actor, "team.deleted", "team", team.id, name=team.name)

    # ---- capacity ---------------------------------------------------------------------------
    def capacities(self, company: Company) -> dict[int, int | None]:
        """Each user's own capacity (None: they use the installation's default)."""
        return {r.user_id: r.capacity for r in AgentRouting.select().where(AgentRouting.company == company)}

    def set_capacity(self, company: Company, actor: User, user_id: Any, capacity: Any) -> User:
        """Set a person's capacity (0 keeps automatic assignment away from them; None: the default)."""
        user = None
        if is_row_id(user_id):
            user = User.get_or_none((User.id == user_id) & (User.company == company))
        if user is None:
            raise NotFound(f"no user {user_id} in your company")
        if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                     or not 0 <= capacity <= MAX_CAPACITY):
            raise BadRequest.field("capacity", f"must be a whole number from 0 to {MAX_CAPACITY}, or null for "
                                               f"the default ({self.settings.agent_capacity})")
        with database.atomic():
            (AgentRouting.insert(company=company, user=user, capacity=capacity)
             .on_conflict(conflict_target=[AgentRouting.user], update={AgentRouting.capacity: capacity}).execute())
            self.audit(company, actor, "agent.capacity_set", "user", user.id, capacity=capacity)
        return user
