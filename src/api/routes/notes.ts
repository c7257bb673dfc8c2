import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { accountOf } from '../auth/plugin.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { businessExists, decodeCursor, encodeCursor } from '../queries/businesses.ts';
import { Cursor, changedKeys, Id, IdParams, json, Limit, page } from '../schema.ts';

const Note = z.object({
  id: z.number().int(),
  businessId: z.number().int(),
  authorId: z.number().int(),
  body: z.string(),
  rating: z.number().int().nullable(),
  hidden: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const Body = z.string().min(1).max(4000);
const Rating = z.number().int().min(1).max(5).nullable();
const NewNote = z.object({ body: Body, rating: Rating.optional() });
type NewNote = z.infer<typeof NewNote>;
const NoteChange = z.object({ body: Body.optional(), rating: Rating.optional() });
type NoteChange = z.infer<typeof NoteChange>;
const NoteParams = z.object({ noteId: Id });
type NoteParams = z.infer<typeof NoteParams>;
const HideBody = z.object({ hidden: z.boolean() });
type HideBody = z.infer<typeof HideBody>;
const NotesQuery = z.object({ limit: Limit(100, 20), cursor: Cursor.optional() });
type NotesQuery = z.infer<typeof NotesQuery>;

interface NoteRow {
  note_id: number;
  business_id: number;
  account_id: number;
  body: string;
  rating: number | null;
  hidden_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const NOTE_COLUMNS = [
  'note_id',
  'business_id',
  'account_id',
  'body',
  'rating',
  'hidden_at',
  'created_at',
  'updated_at',
] as const;

const toNote = (row: NoteRow) => ({
  id: row.note_id,
  businessId: row.business_id,
  authorId: row.account_id,
  body: row.body,
  rating: row.rating,
  hidden: row.hidden_at !== null,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

const notesTag = (businessId: number) => `notes:${businessId}`;

/**
 * Users' notes and ratings of businesses. Anyone reads the visible ones; the author alone edits or
 * deletes a note; moderators and admins hide and unhide anyone's.
 */
export async function noteRoutes(app: FastifyInstance) {
  app.get<{ Params: IdParams; Querystring: NotesQuery }>(
    '/businesses/:id/notes',
    {
      config: { cache: { tags: (request) => [notesTag((request.params as IdParams).id)] } },
      schema: {
        tags: ['notes'],
        summary: 'Visible notes on a business, newest first',
        params: json(IdParams),
        querystring: json(NotesQuery),
        response: { 200: json(page(Note), 'output') },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { limit, cursor } = request.query;
      if (!(await businessExists(app.db, id))) throw notFound(`No business has id ${id}`);
      let query = app.db
        .selectFrom('api.note')
        .select(NOTE_COLUMNS)
        .where('business_id', '=', id)
        .where('hidden_at', 'is', null);
      if (cursor) {
        const [before] = decodeCursor(cursor);
        if (!Number.isSafeInteger(before) || (before as number) < 1 || (before as number) > 2_147_483_647) {
          throw badRequest('Invalid cursor');
        }
        query = query.where('note_id', '<', before as number);
      }
      const rows = await query
        .orderBy('note_id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toNote),
        next: rows.length > limit && last ? encodeCursor([last.note_id]) : null,
      };
    },
  );

  app.post<{ Params: IdParams; Body: NewNote }>(
    '/businesses/:id/notes',
    {
      config: { auth: { verified: true } },
      schema: {
        tags: ['notes'],
        summary: 'Write a note (and optionally a 1–5 rating) on a business',
        params: json(IdParams),
        body: json(NewNote),
        response: { 201: json(Note, 'output') },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await businessExists(app.db, id))) throw notFound(`No business has id ${id}`);
      const row = await app.db
        .insertInto('api.note')
        .values({
          account_id: accountOf(request).account_id,
          business_id: id,
          body: request.body.body,
          rating: request.body.rating ?? null,
        })
        .returning(NOTE_COLUMNS)
        .executeTakeFirstOrThrow();
      await app.cache.invalidate([notesTag(id)]);
      return reply.code(201).send(toNote(row));
    },
  );

  /** The note, if the signed-in account wrote it: 404 when missing, 403 when someone else's. */
  const ownNote = async (noteId: number, accountId: number) => {
    const note = await app.db
      .selectFrom('api.note')
      .select(['business_id', 'account_id'])
      .where('note_id', '=', noteId)
      .executeTakeFirst();
    if (!note) throw notFound(`No note has id ${noteId}`);
    if (note.account_id !== accountId) throw forbidden('Only its author may change or delete a note');
    return note;
  };

  app.patch<{ Params: NoteParams; Body: NoteChange }>(
    '/notes/:noteId',
    {
      config: { auth: { verified: true } },
      schema: {
        tags: ['notes'],
        summary: 'Change your own note',
        params: json(NoteParams),
        body: { ...json(NoteChange), minProperties: 1 },
        response: { 200: json(Note, 'output') },
      },
    },
    async (request) => {
      const { noteId } = request.params;
      changedKeys(request.body);
      const note = await ownNote(noteId, accountOf(request).account_id);
      const { body, rating } = request.body;
      const row = await app.db
        .updateTable('api.note')
        .set({
          updated_at: new Date(),
          ...(body !== undefined && { body }),
          ...(rating !== undefined && { rating }),
        })
        .where('note_id', '=', noteId)
        .returning(NOTE_COLUMNS)
        .executeTakeFirstOrThrow();
      await app.cache.invalidate([notesTag(note.business_id)]);
      return toNote(row);
    },
  );

  app.delete<{ Params: NoteParams }>(
    '/notes/:noteId',
    {
      config: { auth: {} },
      schema: {
        tags: ['notes'],
        summary: 'Delete your own note',
        params: json(NoteParams),
        response: { 204: { type: 'null', description: 'Deleted' } },
      },
    },
    async (request, reply) => {
      const { noteId } = request.params;
      const note = await ownNote(noteId, accountOf(request).account_id);
      await app.db.deleteFrom('api.note').where('note_id', '=', noteId).execute();
      await app.cache.invalidate([notesTag(note.business_id)]);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: NoteParams; Body: HideBody }>(
    '/notes/:noteId/hidden',
    {
      config: { auth: { role: 'moderator' } },
      schema: {
        tags: ['notes'],
        summary: 'Hide or unhide any note (moderators and admins)',
        params: json(NoteParams),
        body: json(HideBody),
        response: { 200: json(Note, 'output') },
      },
    },
    async (request) => {
      const { noteId } = request.params;
      const moderator = accountOf(request);
      const row = await app.db
        .updateTable('api.note')
        .set(
          request.body.hidden
            ? { hidden_at: new Date(), hidden_by: moderator.account_id }
            : { hidden_at: null, hidden_by: null },
        )
        .where('note_id', '=', noteId)
        .returning(NOTE_COLUMNS)
        .executeTakeFirst();
      if (!row) throw notFound(`No note has id ${noteId}`);
      await app.cache.invalidate([notesTag(row.business_id)]);
      return toNote(row);
    },
  );
}
