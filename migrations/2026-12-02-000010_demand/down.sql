DROP INDEX plots_on_offer_supply_idx;
DROP FUNCTION demand_power_band;
DROP FUNCTION demand_size_band;
DROP TABLE demand_records;
ALTER TABLE land_use_codes DROP COLUMN demand_group;
