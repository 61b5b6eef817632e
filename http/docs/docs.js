// Renders /openapi.json as a reference page. Plain DOM only: every piece of
// text from the document goes through textContent, never innerHTML.
(function () {
  "use strict";

  var METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  var spec = null;

  // el builds an element: attrs is a map of attributes, kids are nodes or strings.
  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    }
    append(n, kids);
    return n;
  }

  function append(n, kids) {
    if (kids === undefined || kids === null) return n;
    if (!Array.isArray(kids)) kids = [kids];
    kids.forEach(function (k) {
      if (k === null || k === undefined || k === false) return;
      if (Array.isArray(k)) { append(n, k); return; }
      n.appendChild(typeof k === "string" ? document.createTextNode(k) : k);
    });
    return n;
  }

  // inline renders `code` and **bold** spans of a line of text.
  function inline(text) {
    var out = [];
    var re = /`([^`]+)`|\*\*([^*]+)\*\*/g;
    var last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(m[1] !== undefined ? el("code", null, m[1]) : el("strong", null, m[2]));
      last = re.lastIndex;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  function cells(line) {
    return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map(function (c) { return c.trim(); });
  }

  // markdown renders the small Markdown subset the document uses: headings,
  // paragraphs, "- " lists with indented continuation lines, and pipe tables.
  function markdown(text) {
    var box = el("div", { "class": "md" });
    var lines = String(text || "").split("\n");
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (!line.trim()) { i++; continue; }
      var h = /^(#{1,4})\s+(.*)$/.exec(line);
      if (h) {
        box.appendChild(el("h" + Math.min(6, h[1].length + 1), null, inline(h[2])));
        i++;
      } else if (/^\s*\|/.test(line)) {
        var table = el("table", { "class": "md-table" });
        var head = true;
        for (; i < lines.length && /^\s*\|/.test(lines[i]); i++) {
          if (/^\s*\|[\s\-:|]+\|\s*$/.test(lines[i])) { head = false; continue; }
          var tr = el("tr");
          cells(lines[i]).forEach(function (c) { tr.appendChild(el(head ? "th" : "td", null, inline(c))); });
          table.appendChild(tr);
        }
        box.appendChild(table);
      } else if (/^- /.test(line)) {
        var ul = el("ul");
        while (i < lines.length && /^- /.test(lines[i])) {
          var item = lines[i].slice(2);
          for (i++; i < lines.length && /^\s{2,}\S/.test(lines[i]); i++) item += " " + lines[i].trim();
          ul.appendChild(el("li", null, inline(item)));
        }
        box.appendChild(ul);
      } else {
        var para = line.trim();
        for (i++; i < lines.length && lines[i].trim() && !/^(#|- |\s*\|)/.test(lines[i]); i++) para += " " + lines[i].trim();
        box.appendChild(el("p", null, inline(para)));
      }
    }
    return box;
  }

  // resolve follows a local "#/..." reference; it returns {name, value}.
  function resolve(obj) {
    var name = null;
    var guard = 0;
    while (obj && obj.$ref && guard++ < 20) {
      var parts = obj.$ref.replace(/^#\//, "").split("/");
      name = parts[parts.length - 1];
      var target = spec;
      parts.forEach(function (p) { target = target ? target[p.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined; });
      obj = target;
    }
    return { name: name, value: obj || {} };
  }

  function typeName(schema) {
    var r = resolve(schema);
    var s = r.value;
    if (s.type === "array" && s.items) return "array of " + typeName(s.items);
    if (r.name && (s.type === "object" || s.properties)) return r.name;
    if (s.oneOf || (s.anyOf && !s.type)) {
      return (s.oneOf || s.anyOf).map(typeName).join(" | ");
    }
    var t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type || "any");
    if (t === "object" && !s.properties && s.additionalProperties && typeof s.additionalProperties === "object") {
      return "object of " + typeName(s.additionalProperties);
    }
    return s.format ? t + " (" + s.format + ")" : t;
  }

  // constraints lists a schema's simple validation rules as short texts.
  function constraints(schema) {
    var s = resolve(schema).value;
    var out = [];
    if (s.enum) out.push("one of: " + s.enum.map(function (v) { return JSON.stringify(v); }).join(", "));
    if (s.const !== undefined) out.push("always " + JSON.stringify(s.const));
    if (s.default !== undefined) out.push("default " + JSON.stringify(s.default));
    if (s.minLength !== undefined) out.push("min length " + s.minLength);
    if (s.maxLength !== undefined) out.push("max length " + s.maxLength);
    if (s.pattern) out.push("pattern " + s.pattern);
    if (s.minimum !== undefined) out.push("minimum " + s.minimum);
    if (s.maximum !== undefined) out.push("maximum " + s.maximum);
    if (s.maxItems !== undefined) out.push("at most " + s.maxItems + " items");
    if (s.maxProperties !== undefined) out.push("at most " + s.maxProperties + " keys");
    if (s.propertyNames && s.propertyNames.maxLength !== undefined) out.push("key max length " + s.propertyNames.maxLength);
    if (s.additionalProperties && s.additionalProperties.maxLength !== undefined) out.push("value max length " + s.additionalProperties.maxLength);
    if (s.additionalProperties === false && s.properties) out.push("no other fields");
    if (s.examples && s.examples.length) out.push("e.g. " + JSON.stringify(s.examples[0]));
    return out;
  }

  // requiresOneOf explains an anyOf of {required: [...]} alternatives.
  function requiresOneOf(s) {
    var alts = s.anyOf || s.oneOf;
    if (!alts || !alts.every(function (a) { return a.required && Object.keys(a).length === 1; })) return null;
    return el("p", { "class": "note" }, ["Requires at least one of: "].concat(
      alts.map(function (a, i) { return [i ? ", " : "", el("code", null, a.required.join(" + "))]; })
        .reduce(function (x, y) { return x.concat(y); }, [])));
  }

  // fieldRows adds one row per property of schema to tbody, descending into
  // nested objects and arrays of objects with dotted names.
  function fieldRows(tbody, schema, prefix, seen, depth) {
    var r = resolve(schema);
    var s = r.value;
    if (s.type === "array" && s.items) { fieldRows(tbody, s.items, prefix + "[]", seen, depth); return; }
    if (!s.properties || depth > 8) return;
    if (r.name) {
      if (seen.indexOf(r.name) >= 0) return;
      seen = seen.concat([r.name]);
    }
    var required = s.required || [];
    Object.keys(s.properties).forEach(function (key) {
      var prop = s.properties[key];
      var pv = resolve(prop).value;
      var name = prefix ? prefix + "." + key : key;
      var desc = prop.description || pv.description || "";
      tbody.appendChild(el("tr", null, [
        el("td", { "class": "field" }, el("code", null, name)),
        el("td", { "class": "type" }, typeName(prop)),
        el("td", { "class": "req" }, required.indexOf(key) >= 0 ? "required" : ""),
        el("td", null, [desc ? el("div", null, inline(desc)) : null].concat(
          constraints(prop).map(function (c) { return el("div", { "class": "rule" }, c); })))
      ]));
      fieldRows(tbody, prop, name, seen, depth + 1);
    });
  }

  function schemaView(schema) {
    var r = resolve(schema);
    var s = r.value;
    var box = el("div", { "class": "schema" });
    var alts = s.oneOf || (!s.properties && s.anyOf);
    if (alts) {
      box.appendChild(el("p", { "class": "note" }, "One of:"));
      alts.forEach(function (a) { box.appendChild(schemaView(a)); });
      return box;
    }
    box.appendChild(el("p", { "class": "schema-name" }, [el("strong", null, typeName(schema)),
      s.description ? " — " : "", s.description ? inline(s.description) : null]));
    append(box, requiresOneOf(s));
    var tbody = el("tbody");
    fieldRows(tbody, schema, "", [], 0);
    if (tbody.childNodes.length) {
      box.appendChild(el("table", { "class": "fields" }, [
        el("thead", null, el("tr", null, ["Field", "Type", "", "Description and constraints"].map(function (h) { return el("th", null, h); }))),
        tbody]));
    } else {
      var rules = constraints(schema);
      if (rules.length) box.appendChild(el("p", { "class": "rule" }, rules.join("; ")));
    }
    return box;
  }

  function paramsView(params) {
    if (!params || !params.length) return null;
    var tbody = el("tbody");
    params.forEach(function (p) {
      var v = resolve(p).value;
      tbody.appendChild(el("tr", null, [
        el("td", { "class": "field" }, el("code", null, v.name)),
        el("td", null, v["in"]),
        el("td", { "class": "type" }, v.schema ? typeName(v.schema) : ""),
        el("td", { "class": "req" }, v.required ? "required" : ""),
        el("td", null, [v.description ? el("div", null, inline(v.description)) : null].concat(
          v.schema ? constraints(v.schema).map(function (c) { return el("div", { "class": "rule" }, c); }) : []))
      ]));
    });
    return el("section", null, [el("h4", null, "Parameters"), el("table", { "class": "fields" }, [
      el("thead", null, el("tr", null, ["Name", "In", "Type", "", "Description"].map(function (h) { return el("th", null, h); }))),
      tbody])]);
  }

  function contentView(content) {
    var out = [];
    Object.keys(content || {}).forEach(function (type) {
      var media = content[type] || {};
      out.push(el("p", { "class": "media" }, ["Content type ", el("code", null, type)]));
      if (media.schema) out.push(schemaView(media.schema));
      if (media.example !== undefined) {
        out.push(el("details", null, [el("summary", null, "Example"),
          el("pre", null, el("code", null, JSON.stringify(media.example, null, 2)))]));
      }
    });
    return out;
  }

  function responsesView(responses) {
    var box = el("section", null, el("h4", null, "Responses"));
    Object.keys(responses || {}).sort().forEach(function (status) {
      var res = resolve(responses[status]).value;
      var cls = "status s" + status.charAt(0);
      var summary = el("summary", null, [el("span", { "class": cls }, status), " ", inline(res.description || "")]);
      var body = [];
      var headers = Object.keys(res.headers || {});
      if (headers.length) {
        body.push(el("p", { "class": "headers" }, ["Headers: "].concat(headers.map(function (h, i) {
          var hv = resolve(res.headers[h]).value;
          return el("span", { "class": "header", title: hv.description || "" }, [i ? ", " : "", el("code", null, h)]);
        }))));
      }
      body = body.concat(contentView(res.content));
      box.appendChild(el("details", { "class": "response" }, [summary].concat(body)));
    });
    return box;
  }

  function operationView(path, method, op) {
    var id = op.operationId || (method + path).replace(/[^A-Za-z0-9]+/g, "-");
    var secured = op.security ? op.security.length > 0 : (spec.security || []).length > 0;
    var sec = el("section", { "class": "op", id: id }, [
      el("h3", null, [el("span", { "class": "method " + method }, method.toUpperCase()), " ",
        el("code", { "class": "path" }, path), " ", el("span", { "class": "summary" }, op.summary || "")]),
      op.description ? markdown(op.description) : null,
      el("p", { "class": "auth" }, secured ? "Needs Authorization: Bearer <accessToken>." : "No authentication."),
      paramsView(op.parameters)
    ]);
    if (op.requestBody) {
      var rb = resolve(op.requestBody).value;
      sec.appendChild(el("section", null, [el("h4", null, "Request body" + (rb.required ? " (required)" : ""))]
        .concat(contentView(rb.content))));
    }
    sec.appendChild(responsesView(op.responses));
    return sec;
  }

  function render() {
    var main = document.getElementById("doc");
    var nav = document.getElementById("nav");
    main.textContent = "";
    var info = spec.info || {};
    main.appendChild(el("header", null, [el("h1", null, (info.title || "API") + " "),
      el("p", { "class": "version" }, ["Version " + (info.version || "?") + " · OpenAPI " + spec.openapi + " · ",
        el("a", { href: "openapi.json" }, "openapi.json")])]));
    if (info.description) main.appendChild(markdown(info.description));

    var groups = {};
    var order = (spec.tags || []).map(function (t) { return t.name; });
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = spec.paths[path];
      METHODS.forEach(function (m) {
        if (!item[m]) return;
        var tag = (item[m].tags && item[m].tags[0]) || "Other";
        if (order.indexOf(tag) < 0) order.push(tag);
        (groups[tag] = groups[tag] || []).push([path, m, item[m]]);
      });
    });

    nav.textContent = "";
    nav.appendChild(el("p", { "class": "nav-title" }, el("a", { href: "#" }, info.title || "API")));
    order.forEach(function (tag) {
      if (!groups[tag]) return;
      var tagInfo = (spec.tags || []).filter(function (t) { return t.name === tag; })[0] || {};
      var anchor = "tag-" + tag.replace(/[^A-Za-z0-9]+/g, "-");
      var list = el("ul");
      nav.appendChild(el("p", { "class": "nav-tag" }, el("a", { href: "#" + anchor }, tag)));
      nav.appendChild(list);
      var section = el("section", { "class": "tag", id: anchor }, [el("h2", null, tag),
        tagInfo.description ? markdown(tagInfo.description) : null]);
      groups[tag].forEach(function (g) {
        var view = operationView(g[0], g[1], g[2]);
        section.appendChild(view);
        list.appendChild(el("li", null, el("a", { href: "#" + view.id }, [
          el("span", { "class": "method " + g[1] }, g[1].toUpperCase()), " ", g[0]])));
      });
      main.appendChild(section);
    });
    if (location.hash) {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
  }

  function fail(message) {
    var main = document.getElementById("doc");
    main.textContent = "";
    main.appendChild(el("p", { "class": "error" }, "Could not load openapi.json: " + message));
  }

  function start() {
    fetch("openapi.json", { headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then(function (doc) { spec = doc; render(); })
      .catch(function (e) { fail(String(e && e.message || e)); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
