// Test files only, no stack clients: light enough for the unit tests of any project.
export {
  airlockBadgePng,
  awsSampleEvent,
  clamavFixture,
  type AwsSampleEvent,
  type ClamavFixture,
} from './committed-fixtures.ts';
export { pngClaiming, pngOf, tinyGreyPng } from './png-bytes.ts';
export { uniqueVideo, VIDEO_FIXTURES, videoFixture, type VideoKind } from './video-fixtures.ts';
export { storedZip, zipArchive, type ZipMember } from './zip-archive.ts';
