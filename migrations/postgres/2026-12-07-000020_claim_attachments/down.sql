DROP TABLE claim_attachments;
