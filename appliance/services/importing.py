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
from .articles import MAX_TAGS, ArticleService
from .knowledge import KnowledgeService

logger = logging.getLogger(__name__)

BATCH = 200           # articles stored (with their passages) per transaction
PROGRESS_STEPS = 20   # an import reports its progress about this many times, and after every batch


def safe_upload_name(name: str, index: int) -> str:
    """A browser-given file name reduced to a plain base name (no folders, no leading dots, no controls)."""
    base = Path(str(name).replace("\\", "/").replace("\x00", "")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")[:120]
    return base or f"upload-{index}"


def uploaded_name(path: Path) -> str:
    """The name an upload was given by its sender, from the file ``save_upload`` kept it in."""
    return path.name.split("-", 1)[-1]


class ImportService:
    def __init__(self, articles: ArticleService, knowledge: KnowledgeService):
        self.articles = articles
        self.knowledge = knowledge

    def check(self, records: Iterable[ImportedArticle]) -> list[dict]:
        """Every article's fields checked and normalised before any is stored; a bad one raises
        BadRequest naming its file (and line, in a kb.jsonl) and saying nothing was imported."""
        cleaned = []
        for record in records:
            try:
                cleaned.append(self.articles.clean(title=record.title, body=record.body, tags=record.tags[:MAX_TAGS],
                                                   published=True))
            except BadRequest as exc:
                raise BadRequest(f"{record.where or record.source}: {exc.message}; nothing was imported") from None
        return cleaned

    def import_articles(self, company: Company, actor: User | None, records: Iterable[ImportedArticle],
                        progress: Callable[[int], None] | None = None) -> int:
        """Store and index articles, all or nothing: every one is checked before any is stored. They
        are stored in batches, each article together with its passages in one transaction, so an
        interrupted import leaves only searchable articles and running it again adds the rest:
        articles already there (same title and body) are skipped. ``progress(n)`` reports articles
        done as they are indexed. Returns how many were imported."""
        records = list(records)
        cleaned = self.check(records)
        imported = 0
        for start in range(0, len(cleaned), BATCH):
            part = cleaned[start:start + BATCH]
            slices = -(-PROGRESS_STEPS * len(part) // len(cleaned))
            imported += self._import_batch(company, actor, part, records[start:start + BATCH], progress, slices)
        return imported

    def _import_batch(self, company, actor, cleaned, records, progress, slices) -> int:
        fresh = self._not_there(company, cleaned)
        if progress and len(fresh) < len(cleaned):
            progress(len(cleaned) - len(fresh))
        # Embedding is slow and needs no lock: done before the transaction, which then stores the
        # articles and their passages together.
        passages = self.knowledge.passages([(v["title"], v["body"], v["published"]) for v in fresh],
                                           progress=progress, slices=slices)
        now = self.articles.clock()
        with self.knowledge.writing(company.id) as writer:
            # Checked again under the write lock: another import may have stored some meanwhile.
            still_fresh = {id(v) for v in self._not_there(company, fresh)}
            created = 0
            for values, found in zip(fresh, passages):
                if id(values) in still_fresh:
                    article = Article.create(company=company, created_by=actor, created_at=now, updated_at=now,
                                             **values)
                    writer.write(article, found)
                    created += 1
            self.articles.audit(company, actor, "articles.imported", "article", None, count=created,
                                sources=[r.where or r.source for r in records][:10])
        self.knowledge.changed(company.id)
        return created

    @staticmethod
    def _not_there(company: Company, cleaned: list[dict]) -> list[dict]:
        """The articles not stored yet: one already there with the same title and body is not imported
        again, so running an import again after it was interrupted (or by mistake) finishes it without
        duplicates (nor twice within one import)."""
        existing = {(a.title, a.body) for a in Article.select(Article.title, Article.body).where(
            (Article.company == company) & Article.title.in_([v["title"] for v in cleaned]))}
        fresh = []
        for values in cleaned:
            if (values["title"], values["body"]) not in existing:
                existing.add((values["title"], values["body"]))
                fresh.append(values)
        return fresh

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
                for path in sorted(folder.iterdir()):  # every message names the file as it was uploaded
                    records.extend(parse_file(path, max_pages=limits.max_import_pages, name=uploaded_name(path),
                                              max_bytes=limits.max_upload_bytes, max_chars=limits.max_article_length))
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
