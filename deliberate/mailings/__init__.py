"""Notifications by email: each person chooses, per category, no mail, a mail at once or a
daily digest; the background worker sends them (delivery.py), never a request.

- categories.py: the categories and which inbox notice (moderation/notify.KINDS) is in which;
- models.py: the person's mail language and their choices;
- services.py: reading and changing choices, the signed one-click unsubscribe tokens;
- delivery.py: claiming due notices and sending them; the loop that runs it;
- views.py, forms.py: the preferences page and the unsubscribe page.
"""
