"""Bringing many articles in at once (files, folders, kb.jsonl), indexed in batches."""
from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import Callable, Iterable

from .. import events
from ..db import database
from ..domain.models import Article, Company, User
from ..errors import BadRequest
from ..kb_import import ImportedArticle, KBImportError, check_upload, parse_file
from .articles import ArticleService
from .knowledge import KnowledgeService

logger = logging.getLogger(__name__)

BATCH = 200  # articles per transaction and per progress step


def safe_upload_name(name: str, index: int) -> str:
    """A browser-given file name reduced to a plain base name (no folders, no leading dots, no controls)."""
    base = Path(str(name).replace("\\", "/").replace("\x00", "")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")[:120]
    return base or f"upload-{index}"


class ImportService:
    def __init__(self, articles: ArticleService, knowledge: KnowledgeService):
        self.articles = articles
        self.knowledge = knowledge

    def import_articles(self, company: Company, actor: User | None, records: Iterable[ImportedArticle],
                        progress: Callable[[int], None] | None = None) -> int:
        """Store and index articles in batches; each batch is all-or-nothing, and one with a bad
        article stores none of it. Articles already there (same title and body) are skipped. Returns
        how many were imported."""
        imported = 0
        batch: list[ImportedArticle] = []
        for record in records:
            batch.append(record)
            if len(batch) == BATCH:
                imported += self._import_batch(company, actor, batch, progress)
                batch = []
        if batch:
            imported += self._import_batch(company, actor, batch, progress)
        return imported

    def _import_batch(self, company, actor, batch, progress) -> int:
        cleaned = [self.articles.clean(title=r.title, body=r.body, tags=r.tags[:20], published=True) for r in batch]
        now = self.articles.clock()
        with database.atomic():
            # An article already there with the same title and body is not imported again, so running an
            # import again after it was interrupted (or by mistake) finishes it without duplicates.
            existing = {(a.title, a.body) for a in Article.select(Article.title, Article.body).where(
                (Article.company == company) & Article.title.in_([v["title"] for v in cleaned]))}
            fresh = []
            for values in cleaned:
                if (values["title"], values["body"]) not in existing:
                    existing.add((values["title"], values["body"]))
                    fresh.append(values)
            created = [Article.create(company=company, created_by=actor, created_at=now, updated_at=now, **values)
                       for values in fresh]
            self.articles.audit(company, actor, "articles.imported", "article", None, count=len(created),
                                sources=[r.source for r in batch][:10])
        self.knowledge.index_articles(created)
        self.knowledge.changed(company.id)
        if progress:
            progress(len(batch))
        return len(created)

    # ---- uploads from the console, imported in the background with live progress --------------
    def save_upload(self, company: Company, files: list[tuple[str, bytes]], imports_dir: Path) -> tuple[str, Path]:
        """Keep uploaded files in a job folder (names reduced to safe basenames); returns the job id."""
        if not files:
            raise BadRequest.field("files", "choose at least one file")
        safe_names = []
        for index, (name, content) in enumerate(files):  # every file checked before any is written
            safe = safe_upload_name(name, index)
            try:
                check_upload(safe, content)
            except KBImportError as exc:
                raise BadRequest.field("files", exc.message) from None
            safe_names.append(f"{index:03d}-{safe}")
        job_id = uuid.uuid4().hex[:12]
        folder = imports_dir / f"company-{company.id}" / job_id
        folder.mkdir(parents=True)
        try:
            for safe, (_, content) in zip(safe_names, files):
                (folder / safe).write_bytes(content)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise BadRequest(f"the upload could not be saved ({exc.strerror}); nothing was imported") from None
        return job_id, folder

    def run_upload(self, company_id: int, actor_id: int | None, job_id: str, folder: Path) -> None:
        """Parse and import a saved upload, publishing progress; the folder is removed afterwards."""
        from ..domain.models import User

        def report(state: str, done: int, total: int, message: str = "") -> None:
            self.articles.bus.publish(events.IMPORT_PROGRESS, company_id=company_id, job_id=job_id, state=state,
                                      done=done, total=total, message=message)

        try:
            with database.connection_context():
                company = Company.get_by_id(company_id)
                actor = User.get_or_none(User.id == actor_id)
                limits = self.articles.settings
                records: list[ImportedArticle] = []
                for path in sorted(folder.iterdir()):
                    records.extend(parse_file(path, max_pages=limits.max_import_pages,
                                              max_bytes=limits.max_upload_bytes, max_chars=limits.max_article_length))
                for record in records:  # every article checked before any is stored: all or nothing
                    try:
                        self.articles.clean(title=record.title, body=record.body, tags=record.tags[:20], published=True)
                    except BadRequest as exc:
                        name = Path(record.source).name.split("-", 1)[-1]
                        raise BadRequest(f"{name}: {exc.message}; nothing was imported") from None
                done = 0
                report("running", 0, len(records))

                def progress(n: int) -> None:
                    nonlocal done
                    done += n
                    report("running", done, len(records))

                imported = self.import_articles(company, actor, records, progress=progress)
                skipped = len(records) - imported
                already = f" ({skipped} already there)" if skipped else ""
                report("done", len(records), len(records), f"imported {imported} articles{already}")
        except (KBImportError, BadRequest) as exc:
            report("failed", 0, 0, exc.message)
        except Exception:
            logger.exception("import %s failed", job_id)
            report("failed", 0, 0, "the import failed unexpectedly; it has been logged")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
