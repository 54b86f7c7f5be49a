/**
 * The example contacts API's data: the contacts and the last id given, in memory and, with a file, on disk after
 * every change (written whole to a temporary file, then renamed over the old one). Restarting the example keeps
 * the contacts and never gives an id twice; without the file it starts over from two seed contacts.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Contact {
  id: string;
  name: string;
  email: string;
  createdAt: string;
  updatedAt: string;
}

interface Saved {
  lastId: number;
  contacts: Contact[];
}

const HOUR_MS = 3_600_000;

export class ContactsStore {
  private readonly contacts = new Map<string, Contact>();
  private lastId = 0;

  /** `file`: where the data lives between runs (created with its directory); none: in memory only. */
  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      this.load(file);
      return;
    }
    // Two contacts that exist before any instance does: a poll finds them only with event.poller.since.
    this.add('Grace Hopper', 'grace@example.com', new Date(Date.now() - 48 * HOUR_MS));
    this.add('Alan Turing', 'alan@example.com', new Date(Date.now() - 24 * HOUR_MS));
  }

  get size(): number {
    return this.contacts.size;
  }

  list(): Contact[] {
    return [...this.contacts.values()];
  }

  get(id: string): Contact | undefined {
    return this.contacts.get(id);
  }

  add(name: string, email: string, at = new Date()): Contact {
    const contact = { id: String(++this.lastId), name, email, createdAt: at.toISOString(), updatedAt: at.toISOString() };
    this.contacts.set(contact.id, contact);
    this.save();
    return contact;
  }

  update(id: string, change: { name?: string; email?: string }, at = new Date()): Contact | undefined {
    const contact = this.contacts.get(id);
    if (!contact) return undefined;
    if (change.name !== undefined) contact.name = change.name;
    if (change.email !== undefined) contact.email = change.email;
    contact.updatedAt = at.toISOString();
    this.save();
    return contact;
  }

  private load(file: string): void {
    let saved: Saved;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
      if (!Number.isInteger(saved.lastId) || !Array.isArray(saved.contacts)) throw new Error('expected {"lastId": <number>, "contacts": [...]}');
    } catch (err) {
      // Never overwrite data that could not be read: say where it is and stop.
      throw new Error(`${file}: ${(err as Error).message} (move the file away to start over)`);
    }
    this.lastId = saved.lastId;
    for (const contact of saved.contacts) this.contacts.set(contact.id, contact);
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const saved: Saved = { lastId: this.lastId, contacts: this.list() };
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
