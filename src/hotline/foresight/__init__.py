"""Foresight (未诉先办): forecasts, staffing, early warning, seasonal pre-planning and 每月一题."""
