from django.contrib import admin

from .models import CycleRun, Hold, PortfolioCycleSettings, Segment, StepExecution, Strategy, StrategyVersion


@admin.register(Segment, Strategy, PortfolioCycleSettings, Hold)
class StrategyConfigAdmin(admin.ModelAdmin):
    pass


@admin.register(StrategyVersion, CycleRun, StepExecution)
class StrategyRecordsAdmin(admin.ModelAdmin):
    """Versions are immutable and runs are records: edit strategies in the app (a change is a new version)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
