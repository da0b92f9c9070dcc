DROP TABLE claim_attachment_parts;
DROP TABLE claim_attachments;
