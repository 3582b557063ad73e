-- A catalogue of the public schema, one row per object or part of one
-- (kind, name, definition), sorted: what the migrations made, so that two
-- schemas compare as lists. Objects that belong to an extension (PostGIS's
-- functions, types, spatial_ref_sys) are left out; the extensions and their
-- versions are listed instead. Definitions are PostgreSQL's own renderings
-- (pg_get_*def, format_type), so equal rows mean equal objects; no OIDs.
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), rel AS (
    SELECT c.* FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = c.reltype)
), fun AS (
    SELECT p.* FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
), typ AS (
    SELECT t.* FROM pg_type t
    WHERE t.typnamespace = 'public'::regnamespace
      AND t.typtype IN ('e', 'd', 'r', 'm')
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)
), catalogue (kind, name, definition) AS (
    SELECT 'extension', e.extname::text, e.extversion || ' in ' || e.extnamespace::regnamespace::text
    FROM pg_extension e
  UNION ALL
    SELECT 'relation', c.relname::text,
           concat_ws(' ', 'kind ' || c.relkind::text, 'persistence ' || c.relpersistence::text,
                     'owner ' || pg_get_userbyid(c.relowner), 'acl ' || c.relacl::text,
                     'options ' || c.reloptions::text,
                     CASE WHEN c.relrowsecurity THEN 'row security' END,
                     CASE WHEN c.relkind IN ('v', 'm') THEN 'as ' || pg_get_viewdef(c.oid) END)
    FROM rel c
  UNION ALL
    SELECT 'column', c.relname || '.' || a.attname,
           concat_ws(' ', '#' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
                     format_type(a.atttypid, a.atttypmod),
                     CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
                     CASE a.attgenerated WHEN 's' THEN 'generated always as ' ELSE 'default ' END
                         || pg_get_expr(d.adbin, d.adrelid),
                     CASE WHEN a.attidentity <> '' THEN 'identity ' || a.attidentity::text END,
                     CASE WHEN a.attcollation <> t.typcollation THEN 'collate ' || a.attcollation::regcollation::text END,
                     'acl ' || a.attacl::text)
    FROM rel c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind <> 'S'
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  UNION ALL
    SELECT 'constraint', coalesce(c.relname, t.typname) || '.' || k.conname,
           concat_ws(' ', pg_get_constraintdef(k.oid),
                     CASE WHEN k.condeferrable THEN 'deferrable' END,
                     CASE WHEN k.condeferred THEN 'initially deferred' END,
                     CASE WHEN NOT k.convalidated THEN 'not valid' END)
    FROM pg_constraint k
    LEFT JOIN rel c ON c.oid = k.conrelid
    LEFT JOIN typ t ON t.oid = k.contypid
    WHERE c.oid IS NOT NULL OR t.oid IS NOT NULL
  UNION ALL
    SELECT 'index', i.indexname::text, i.indexdef
    FROM pg_indexes i JOIN rel c ON c.relname = i.tablename
    WHERE i.schemaname = 'public'
  UNION ALL
    SELECT 'trigger', c.relname || '.' || g.tgname,
           pg_get_triggerdef(g.oid) || ' enabled ' || g.tgenabled::text
    FROM pg_trigger g JOIN rel c ON c.oid = g.tgrelid
    WHERE NOT g.tgisinternal
  UNION ALL
    SELECT 'function', f.oid::regprocedure::text,
           CASE WHEN f.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(f.oid) END
           || ' owner ' || pg_get_userbyid(f.proowner) || coalesce(' acl ' || f.proacl::text, '')
    FROM fun f
  UNION ALL
    SELECT 'sequence', c.relname::text,
           concat_ws(' ', format_type(s.seqtypid, NULL), 'start ' || s.seqstart, 'increment ' || s.seqincrement,
                     'min ' || s.seqmin, 'max ' || s.seqmax, 'cache ' || s.seqcache,
                     CASE WHEN s.seqcycle THEN 'cycle' END)
    FROM pg_sequence s JOIN rel c ON c.oid = s.seqrelid
  UNION ALL
    SELECT 'type', t.typname::text,
           concat_ws(' ', 'kind ' || t.typtype::text,
                     CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                     CASE WHEN t.typnotnull THEN 'not null' END,
                     'default ' || t.typdefault,
                     (SELECT 'labels ' || string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                      FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM typ t
  UNION ALL
    SELECT 'rule', r.tablename || '.' || r.rulename, r.definition
    FROM pg_rules r JOIN rel c ON c.relname = r.tablename
    WHERE r.schemaname = 'public'
  UNION ALL
    SELECT 'policy', p.tablename || '.' || p.policyname,
           concat_ws(' ', p.permissive, p.cmd, p.roles::text, 'using ' || p.qual, 'check ' || p.with_check)
    FROM pg_policies p JOIN rel c ON c.relname = p.tablename
    WHERE p.schemaname = 'public'
  UNION ALL
    SELECT 'comment', coalesce(c.relname || coalesce('.' || a.attname, ''), f.oid::regprocedure::text), d.description
    FROM pg_description d
    LEFT JOIN rel c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
    LEFT JOIN fun f ON d.classoid = 'pg_proc'::regclass AND f.oid = d.objoid
    WHERE c.oid IS NOT NULL OR f.oid IS NOT NULL
)
SELECT kind, name, definition FROM catalogue
ORDER BY kind COLLATE "C", name COLLATE "C", definition COLLATE "C"
