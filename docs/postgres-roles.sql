-- Two databases, two roles: the portal's own role owns both stores; the evaluators' role can
-- connect to the response store only and read only the finished responses (not drafts).
--
-- Run as a superuser after `flask db upgrade`, and again after each migration:
--   psql -v personal_db=portal_personal -v responses_db=portal_responses \
--        -v app_role=portal_app -v evaluator_role=portal_evaluator -f docs/postgres-roles.sql
-- Give the roles passwords (\password portal_app) or certificates as your pg_hba.conf requires.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'app_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'evaluator_role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'evaluator_role') \gexec

REVOKE ALL ON DATABASE :"personal_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"responses_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"personal_db" TO :"app_role";
GRANT CONNECT, TEMPORARY ON DATABASE :"responses_db" TO :"app_role";
GRANT CONNECT ON DATABASE :"responses_db" TO :"evaluator_role";

\connect :"personal_db"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

\connect :"responses_db"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
-- The mixed-batch flush empties the pending table with TRUNCATE (portal/mixing.py): a new,
-- empty file, so no dead tuple of a released submission stays behind for a physical backup.
GRANT TRUNCATE ON pending_submission TO :"app_role";
-- Evaluators read released responses only: never drafts, never pending submissions.
GRANT USAGE ON SCHEMA public TO :"evaluator_role";
GRANT SELECT ON response TO :"evaluator_role";
-- Releases (issue 12): the frozen files evaluators download; not the free-text review queue.
GRANT SELECT ON release, release_file TO :"evaluator_role";
