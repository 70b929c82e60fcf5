"""Translations of contributions, made by people: any participant proposes one into another
of the debate's languages, translators (a role appointed like mediators) publish directly,
mediators approve, correct or reject proposals. Readers see a published translation in their
language, with who made and checked it, and the original one tap away. Votes, flags, replies
and moderation always act on the original; editing it marks its translations outdated.

- models.py: ArgumentTranslation;
- services.py: propose, publish, approve, correct, reject; what a page shows;
- views.py: the translate form, the translation queue and the mediators' decisions.
"""
