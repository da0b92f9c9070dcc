DROP INDEX vouchers_once_per_event;
