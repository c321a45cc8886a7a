import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { AppError, PayloadTooLargeError, ValidationError } from '../shared/errors.js';
import { formatSize } from '../shared/text.js';

/**
 * Multipart parsing for the upload form, kept in memory: nothing touches the disk before the CSRF
 * check, and the importer reads the bytes without decoding the whole file at once.
 */
export function uploadParser(maxBytes: number) {
  const limit = formatSize(maxBytes);
  const parse = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: maxBytes, fieldSize: maxBytes, files: 1, fields: 10, parts: 12 },
  }).single('file');

  return (req: Request, res: Response, next: NextFunction) => {
    // multer passes any other body through untouched, and the form then said "choose a file"
    // to a request that sent one as JSON or plain text.
    if (!req.is('multipart/form-data')) {
      return next(new AppError('The upload must come from the upload form (multipart/form-data). Reload the form and try again.', 415, 'unsupported_media_type'));
    }
    parse(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        switch (err.code) {
          case 'LIMIT_FILE_SIZE':
            return next(new PayloadTooLargeError(`The file is larger than the ${limit} limit. Split it and upload the parts.`));
          case 'LIMIT_FIELD_VALUE':
            return next(new PayloadTooLargeError(`The pasted text is larger than the ${limit} limit. Upload it as a file in parts.`));
          default:
            return next(new ValidationError(`The upload could not be read (${err.message}).`));
        }
      }
      // busboy's "Unexpected end of form", "Malformed part header", a wrong content type, etc. Browsers
      // send control characters of a file name raw, and busboy refuses that header: retrying cannot help.
      return next(new ValidationError('The upload could not be read. Choose the file again and retry; if its name has unusual characters, rename it first.'));
    });
  };
}
