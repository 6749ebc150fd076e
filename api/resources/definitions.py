"""Process definitions: deploy, list versions, fetch XML, diff two versions (process owners)."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api.auth import principal, require
from api.resources import engine
from api.schemas import Definition, DefinitionDiff, DefinitionQuery, DeployUpload, ErrorResponse
from application.access import DEPLOYERS, MODEL_READERS

blp = Blueprint("definitions", __name__, url_prefix="/api/definitions",
                description="Deploy BPMN diagrams and inspect their versions (process owners).")


@blp.route("")
class Definitions(MethodView):
    @require(*MODEL_READERS)
    @blp.arguments(DefinitionQuery, location="query")
    @blp.response(200, Definition(many=True))
    def get(self, args):
        """List every deployed version."""
        return engine().definitions(args.get("process_key"))

    @require(*DEPLOYERS)
    @blp.arguments(DeployUpload, location="files", as_kwargs=True)
    @blp.response(201, Definition(many=True))
    @blp.alt_response(422, schema=ErrorResponse, description="the diagram was refused; details name each element")
    def post(self, **_files):
        """Deploy a .bpmn file (multipart field `file`), or several .bpmn, .dmn and .json files as one
        deployment (fields `files`), with any forms they reference (fields `forms`)."""
        uploads = request.files.getlist("file") + request.files.getlist("files")
        if not uploads:
            abort(422, message="upload the diagram as multipart field 'file', or several files as 'files'")
        bundle = {}
        for upload in uploads:
            name = upload.filename or ""
            if name in bundle:
                abort(422, message=f"two files are named {name!r}; a deployment names each file once",
                      details=[{"field": "/files", "message": f"{name!r} is uploaded twice"}])
            bundle[name] = upload.read()
        forms = {f.filename: f.read() for f in request.files.getlist("forms") if f.filename}
        return engine().deploy_bundle(bundle, deployed_by=principal().username, forms=forms)


@blp.route("/<int:definition_id>/xml")
class DefinitionXml(MethodView):
    @require(*MODEL_READERS)
    @blp.response(200, {"type": "string"}, content_type="application/xml")
    def get(self, definition_id):
        """The BPMN XML of one version, as deployed."""
        return Response(engine().definition_xml(definition_id), mimetype="application/xml")


@blp.route("/<int:definition_id>/files/<string:file_name>")
class DefinitionFile(MethodView):
    @require(*MODEL_READERS)
    @blp.response(200, {"type": "string"}, content_type="application/xml")
    def get(self, definition_id, file_name):
        """A DMN or BPMN file deployed with this version and run by it (listed in its `files`)."""
        return Response(engine().definition_file(definition_id, file_name), mimetype="application/xml")


@blp.route("/<int:definition_id>/diff/<int:other_id>")
class DefinitionDiffView(MethodView):
    @require(*MODEL_READERS)
    @blp.response(200, DefinitionDiff)
    def get(self, definition_id, other_id):
        """Elements added, removed and changed from one version to another."""
        return engine().diff_definitions(definition_id, other_id)
