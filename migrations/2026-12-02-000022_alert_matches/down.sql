DROP TABLE alert_matches;
