/**
 * The inventory of AppWrite's self-hosting set-up for the pinned version: every service of
 * AppWrite's own docker-compose (image, entrypoint, the variables it reads), written from the
 * tag's compose file by `scripts/appwrite-inventory.ts`, and the team's exclusions, each with
 * its reason and what the user loses. tests/unit/instances/blueprint/inventory.test.ts holds the blueprint
 * to it.
 */
import data from './inventory.json';

export interface InventoryService {
  /** Image and tag as AppWrite's set-up pins them. */
  image: string;
  /** Compose `entrypoint` (null: the image's own). */
  entrypoint: string[] | null;
  /** Compose `command` (null: the image's own). */
  command: string[] | null;
  /** Variables the service reads: a fixed value from the compose, or null (from `.env`). */
  variables: Record<string, string | null>;
  /** Of those, the ones it cannot run without (the stand-in fails a deployment without them). */
  required: string[];
  /** Mount paths of its volumes in AppWrite's set-up. */
  volumes: string[];
  /** Path prefix Traefik routes to it, for the services that answer on the public host. */
  route?: string;
}

export interface Exclusion {
  /** Why the blueprint leaves it out. */
  reason: string;
  /** What the user of an instance loses. */
  userLoses: string;
}

export interface Inventory {
  /** The AppWrite release this inventory was written from. */
  appwrite: string;
  source: string;
  services: Record<string, InventoryService>;
  excluded: {
    /** Services not deployed, by compose name. */
    services: Record<string, Exclusion>;
    /** Variables deliberately not set: by name, for every service that reads them. */
    variables: Record<string, Exclusion>;
  };
}

export const inventory: Inventory = data;
