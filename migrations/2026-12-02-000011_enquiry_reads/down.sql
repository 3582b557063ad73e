DROP TABLE enquiry_reads;
