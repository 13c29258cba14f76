-- Hearth schema: an article's version goes up with every edit, and each of its chunks records the
-- version it was cut from. The indexer writes an article's passages only while the article is still
-- at the version it embedded (an edit that landed meanwhile is indexed again), and the start-up check
-- finds chunks older than their article (an edit whose indexing a crash cut off). Chunks already
-- there count as current.
ALTER TABLE "article" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "article_chunk" ADD COLUMN "article_version" INTEGER NOT NULL DEFAULT 1;
