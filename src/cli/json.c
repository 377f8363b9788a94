/* A small streaming JSON writer producing bpftool's compact output.  Per nesting level it
 * tracks whether the next value needs a separating comma; a top-level value ends with a
 * newline. */
#include <inttypes.h>

#include "cli.h"

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
}

/* Before any value (or key): the separator of the enclosing container. */
static void json_sep(struct json *j)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	fputc(c, j->out);
	j->depth++; /* our output nests a few levels at most: far below the array size */
	j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->out);
}

void json_begin_object(struct json *j)
{
	json_open(j, '{');
}
void json_end_object(struct json *j)
{
	json_close(j, '}');
}
void json_begin_array(struct json *j)
{
	json_open(j, '[');
}
void json_end_array(struct json *j)
{
	json_close(j, ']');
}

static void json_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_quoted(j->out, key);
	fputc(':', j->out);
	/* the value that follows must not add a comma of its own */
	j->need_comma[j->depth] = false;
}

void json_string(struct json *j, const char *s)
{
	json_sep(j);
	json_quoted(j->out, s);
}

void json_uint(struct json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->out, "%" PRIu64, v);
}

void json_uint_field(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void json_string_field(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_int(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->out, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json_raw(struct json *j, const char *text)
{
	json_sep(j);
	fputs(text, j->out);
}

void json_hex_bytes(struct json *j, const void *p, size_t len)
{
	const uint8_t *b = p;
	char s[8];

	json_begin_array(j);
	for (size_t i = 0; i < len; i++) {
		snprintf(s, sizeof(s), "0x%02x", b[i]);
		json_string(j, s);
	}
	json_end_array(j);
}
