from django.urls import path

from . import views

urlpatterns = [
    path("queue/", views.agent_queue, name="agent_queue"),
    path("queue/next/", views.agent_next, name="agent_next"),
    path("work/<int:debtor_id>/", views.agent_work, name="agent_work"),
    path("work/<int:debtor_id>/callback-slots/", views.agent_callback_slots, name="agent_callback_slots"),
    path("team/", views.agent_team, name="agent_team"),
    path("team/assignments/", views.agent_assignments, name="agent_assignments"),
    path("team/targets/", views.agent_targets, name="agent_targets"),
    path("debtors/bulk/", views.debtor_bulk, name="debtor_bulk"),
    path("debtors/bulk/<int:job_id>/", views.debtor_bulk_job, name="debtor_bulk_job"),
    path("team/scripts/", views.agent_scripts, name="agent_scripts"),
    path("inbox/", views.agent_inbox, name="agent_inbox"),
    path("inbox/<int:inbound_id>/handled/", views.inbound_handled, name="inbound_handled"),
]
