-- Every read of an enquiry by a key: who, when, and how (in a list, one
-- enquiry, an export of an enquirer's data). The GDPR's accountability:
-- an enquirer may ask who has seen their data. No foreign key: the log
-- outlives an enquiry that is erased (it holds no personal data itself).
CREATE TABLE enquiry_reads (
    id          bigserial PRIMARY KEY,
    enquiry_id  uuid NOT NULL,
    by          text NOT NULL CHECK (length(by) BETWEEN 1 AND 100),
    at          timestamptz NOT NULL DEFAULT now(),
    how         text NOT NULL CHECK (how IN ('list', 'one', 'export'))
);

CREATE INDEX enquiry_reads_enquiry_idx ON enquiry_reads (enquiry_id, at);
