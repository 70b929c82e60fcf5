"""Results: opinion shift, cross-community agreement, opinion groups, charts, report, exports."""
