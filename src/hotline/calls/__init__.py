"""Call records of the hotline's phone queue."""
