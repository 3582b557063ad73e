DROP TABLE enquiry_events;
DROP TABLE enquiries;
DROP FUNCTION jsonb_object_size(jsonb);
DROP FUNCTION organisation_number_valid(text);
