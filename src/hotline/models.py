"""Imports every table so that Base.metadata knows the whole schema."""

from hotline.calls.models import AgentShift, CallRecord
from hotline.foresight.models import Alert, SpecialTopic, TopicTask
from hotline.knowledge.models import KbArticle, KbArticleVersion, KbSearch
from hotline.reference.models import CalendarDay, Category, City, Department, Region, SlaRule
from hotline.users.models import User
from hotline.workorders.models import OrderCoDepartment, OrderCounter, OrderEvent, PersonalDataRead, WorkOrder

__all__ = [
    "AgentShift", "Alert", "CalendarDay", "CallRecord", "Category", "City", "Department", "KbArticle",
    "KbArticleVersion", "KbSearch", "OrderCoDepartment", "OrderCounter", "OrderEvent", "PersonalDataRead", "Region",
    "SlaRule", "User",
    "SpecialTopic", "TopicTask", "WorkOrder",
]
