"""The API's bodies: what a case management system sends (the import's format, docs/import.md)
and what it reads back. DRF validates the shape, so a body that does not match gets 400 with
the path of each wrong field; the import's own checks (unit, deputy, statute) follow."""

from rest_framework import serializers

from ..choices import ChargeLevel

LEVELS = [*ChargeLevel.values, "F", "W", "M", "I", "f", "w", "m", "i"]


class CountIn(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=999, required=False)
    statute = serializers.CharField(max_length=60)
    level = serializers.ChoiceField(choices=LEVELS)
    offense_date = serializers.DateField(required=False, allow_null=True)
    enhancements = serializers.CharField(max_length=300, required=False, allow_blank=True)


class CaseIn(serializers.Serializer):
    """A case with its counts, keyed by the court case number in the URL."""

    da_file_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    defendant_name = serializers.CharField(max_length=200)
    aliases = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    court_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.CharField(max_length=40, required=False, allow_blank=True)
    defense_counsel = serializers.CharField(max_length=200, required=False, allow_blank=True)
    stage = serializers.CharField(max_length=60, required=False, allow_blank=True)
    next_hearing = serializers.DateField(required=False, allow_null=True)
    next_hearing_type = serializers.CharField(max_length=60, required=False, allow_blank=True)
    assigned_deputy = serializers.CharField(max_length=150, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=120)
    counts = CountIn(many=True, allow_empty=False)

    def to_import(self, number):
        """The import's shape (dates as text, as in a file)."""
        data = dict(self.validated_data)
        data["court_case_number"] = number
        if data.get("next_hearing") is not None:
            data["next_hearing"] = data["next_hearing"].isoformat()
        counts = []
        for count in data["counts"]:
            count = dict(count)
            if count.get("offense_date") is not None:
                count["offense_date"] = count["offense_date"].isoformat()
            counts.append(count)
        data["counts"] = counts
        return data


class OfferOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    conveyed_at = serializers.DateTimeField(allow_null=True)


class WorksheetOut(serializers.Serializer):
    version = serializers.IntegerField()
    signed = serializers.BooleanField()
    signed_at = serializers.DateTimeField(allow_null=True)
    review = serializers.CharField(allow_null=True, help_text="pending, approved, returned")
    content_hash = serializers.CharField(allow_blank=True, help_text="SHA-256 of what was signed")
    current = serializers.BooleanField(help_text="No later version amends it")


class CaseStatusOut(serializers.Serializer):
    court_case_number = serializers.CharField()
    consideration = serializers.CharField(
        help_text="none, draft, signed, returned or conveyed (without a signed worksheet)"
    )
    offers = OfferOut(many=True)
    worksheets = WorksheetOut(many=True)
    flagged_grounds = serializers.ListField(
        child=serializers.CharField(),
        help_text="Grounds flagged as possible on the offers the current signed worksheet "
        "considered",
    )
    volunteered_status = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only for a token granted view_status, and only when the defense volunteered it",
    )
    updated_at = serializers.DateTimeField()


class UpsertOut(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["created", "updated", "unchanged"])
    messages = serializers.ListField(child=serializers.CharField())
    case = CaseStatusOut(required=False, help_text="Only for a token with the read scope")


class ChangeOut(serializers.Serializer):
    court_case_number = serializers.CharField()
    changed_at = serializers.DateTimeField()


class ChangesOut(serializers.Serializer):
    changes = ChangeOut(many=True)
    next_since = serializers.DateTimeField(
        allow_null=True, help_text="Poll again with since= this value; null when none changed"
    )
