"""Tools for therapists and clinics: `python -m bot.therapist` (console script ipt-therapist)."""
