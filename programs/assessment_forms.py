from django import forms

from programs.models import AssessmentTask, OutsourcingAssessment


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = OutsourcingAssessment
        fields = [
            "name",
            "yearly_value",
            "yearly_working_hours",
            "freelancer_hourly_cost",
            "currency",
            "high_value_answer",
            "would_stop_answer",
        ]
        labels = {
            "yearly_value": "Yearly value of your work",
            "yearly_working_hours": "Hours you work in a year",
            "freelancer_hourly_cost": "A freelancer's hourly cost",
            "high_value_answer": "Which 20 % of your tasks bring 80 % of the value?",
            "would_stop_answer": "Which tasks would you stop doing if you could?",
        }
        widgets = {
            "high_value_answer": forms.Textarea(attrs={"rows": 3}),
            "would_stop_answer": forms.Textarea(attrs={"rows": 3}),
        }


class AssessmentTaskForm(forms.ModelForm):
    class Meta:
        model = AssessmentTask
        fields = [
            "task",
            "minutes_each",
            "times_per_week",
            "skill_needed",
            "enjoys",
            "high_value",
            "would_stop",
        ]
        labels = {
            "minutes_each": "Minutes each time",
            "high_value": "In the 20 % that brings 80 % of the value",
            "would_stop": "I would stop doing it if I could",
            "enjoys": "I enjoy it",
        }


class AssessmentProgramForm(forms.Form):
    name = forms.CharField(max_length=120, label="Program name")
