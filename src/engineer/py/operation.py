    def {{name}}(self{{params}}) -> Any:
{{^origin}}
        """{{summary}}
{{/origin}}
{{#origin}}
        """{{summary}} (on {{origin}})
{{/origin}}

{{#login}}
        Signs in; credentials default to RAE_USERNAME / RAE_PASSWORD.
{{/login}}
{{#page}}
        An HTML page that later requests take values from.
{{/page}}
{{body_missing}}
{{#raw_multipart}}
            {{files_arg}}={"file": ("name.txt", b"...", "text/plain")} for the file parts,
            {{data_arg}}={"field": "value"} for the other fields.
{{/raw_multipart}}
{{#raw_form}}
            {{data_arg}}={"field": "value"}.
{{/raw_form}}
{{#raw_json}}
            body={...}, sent as JSON.
{{/raw_json}}
{{#raw_text}}
            body="..." (str or bytes).
{{/raw_text}}
{{captured}}

        Example:
            {{example}}
        """
{{#graphql}}
        result = self._call({{call}})
        return graphql_data(result, self.last_response)
{{/graphql}}
{{^graphql}}
        return self._call({{call}})
{{/graphql}}

