"""Reference data: regions, categories, departments, SLA rules, holidays."""
