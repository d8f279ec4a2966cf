    def iter_{{name}}(self{{params}}) -> Iterator[Any]:
        """Yields every item of {{method}} {{path}}, page after page ({{style}} pagination on '{{param}}')."""
        position: Any = {{first}}
        while True:
            page = self.{{name}}({{args}})
{{#items_path}}
            items = json_get(page, {{items_path}}) or []
{{/items_path}}
{{^items_path}}
            items = page if isinstance(page, list) else []
{{/items_path}}
            yield from items
{{#link_header}}
            position = link_param(self.last_response, {{next_path}}, {{param_literal}})
            if not position:
                return
{{/link_header}}
{{#next_link}}
            position = json_get(page, {{next_path}})
            if not position or not items:
                return
{{/next_link}}
{{#by_page}}
            if not items or last_page(page, position, len(items), {{limit}}):
                return
            position += 1
{{/by_page}}
{{#by_offset}}
            if not items or last_page(page, None, len(items), {{limit}}):
                return
            position += len(items)
{{/by_offset}}

